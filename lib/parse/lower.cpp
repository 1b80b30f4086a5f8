// Lowering the syntax tree to the IR: function calls and arity checks, the rules of vectors
// and reductions, and the iterative folding of operator chains (names.cpp reads names). No X3 here;
// the grammar is in grammars/.
#include "parse/lower.hpp"
#include "parse/lowering.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <boost/container/small_vector.hpp>

#include "charset.hpp"
#include "parse/builtins.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/simplify.hpp"
#include "symdiff/suggest.hpp"

namespace symdiff::detail::lowering {

Parsed Lowering::run(const ast::Expression& tree) {
    find_indexed_names();
    Expr e = expression(tree, true);
    natural_order(variables_);
    natural_order(vectors_);
    return Parsed{e, std::move(variables_), std::move(vectors_), std::move(notes_)};
}

// The names written before a '[' (x of x[k]), which are vectors: a juxtaposition with one
// of them as a letter is no product (`3xy + x[1]` keeps the name xy). The grammar allows
// only a name before '[' but blanks, so the text says it without a walk of the tree.
void Lowering::find_indexed_names() {
    for (std::size_t at = input_.find('['); at != std::string_view::npos; at = input_.find('[', at + 1)) {
        std::size_t end = at;
        while (end > 0 && is_blank(input_[end - 1])) --end;
        std::size_t begin = end;
        while (begin > 0 && (std::isalnum(static_cast<unsigned char>(input_[begin - 1])) || input_[begin - 1] == '_'))
            --begin;
        if (begin < end) indexed_names_.insert(input_.substr(begin, end - begin));
    }
}

Expr Lowering::expression(const ast::Expression& e, bool list_allowed) {
    if (list_allowed && e.rest.empty()) {
        if (const ast::List* l = bare_list(e)) return list(*l);
    }
    Exprs terms;
    terms.reserve(1 + e.rest.size());
    terms.push_back(term(e.first));
    for (const auto& t : e.rest) {
        Expr v = term(t.operand);
        terms.push_back(t.op == '-' ? ctx_.neg(v) : v);
    }
    return terms.size() == 1 ? terms[0] : ctx_.add(view(terms));
}

// The list when e is nothing but `[ … ]`.
const ast::List* Lowering::bare_list(const ast::Expression& e) {
    const ast::Term& t = e.first;
    if (!t.rest.empty() || !t.first.signs.empty()) return nullptr;
    const ast::Power& p = t.first.power;
    if (!p.tail.empty() || p.base.sup) return nullptr;
    const auto* l = boost::get<ast::x3::forward_ast<ast::List>>(&p.base.primary.get());
    return l ? &l->get() : nullptr;
}

Expr Lowering::list(const ast::List& l) {
    std::vector<Expr> items;
    items.reserve(l.items.size());
    for (const auto& item : l.items) items.push_back(expression(item, true));
    return ctx_.list(items);
}

Expr Lowering::term(const ast::Term& t) {
    if (t.rest.empty()) return signed_operand(t.first);
    Exprs factors;
    factors.reserve(1 + t.rest.size());
    factors.push_back(signed_operand(t.first));
    for (const auto& m : t.rest) {
        Expr v = signed_operand(m.operand);
        factors.push_back(m.op == '/' ? ctx_.pow(v, ctx_.integer(-1)) : v);
    }
    return ctx_.mul(view(factors));
}

// a ^ s1 b ^ s2 c … is a^(s1 (b^(s2 c …))): operands are lowered left to right (the order
// of first appearance), then folded from the right without recursion.
//
// A juxtaposition of letters as the base binds the exponent to its last letter only, as a
// textbook means it: `3xy²` is 3·x·y², `ye^(xy)` is y·e^(xy).
Expr Lowering::power(const ast::Power& p) {
    Exprs leading;
    Expr base;
    Parts parts;
    // Only an exponent makes the split matter here; without one, postfix() resolves the name.
    if (p.base.sup || !p.tail.empty()) parts = juxtaposed(p.base.primary);
    const ast::Call* product = p.base.sup || !p.tail.empty() ? product_call_of(p.base.primary) : nullptr;
    if (product) {
        // `x(x+1)^2` is x·(x+1)²: the exponent belongs to the bracket, as `sin(x)(x+1)^2`
        // and paper have it, not to the product the name and the bracket make.
        leading.push_back(product_head(*product));
        base = expression(product->args[0].value);
        if (p.base.sup) base = ctx_.pow(base, superscript(*p.base.sup));
    } else if (!parts.empty()) {
        note_split(boost::get<ast::Name>(p.base.primary.get()).text, parts,
                   boost::get<ast::Name>(p.base.primary.get()).text);
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) leading.push_back(letter(parts[i], parts[i]));
        base = letter(parts.back(), parts.back());
        if (p.base.sup) base = ctx_.pow(base, superscript(*p.base.sup));
    } else {
        base = postfix(p.base);
    }
    Expr result = p.tail.empty() ? base : ctx_.pow(base, exponent_chain(p.tail));
    if (leading.empty()) return result;
    leading.push_back(result);
    return ctx_.mul(view(leading));
}

Expr Lowering::exponent_chain(const std::vector<ast::PowTail>& tail) {
    Exprs ops;
    ops.reserve(tail.size());
    for (const auto& t : tail) ops.push_back(postfix(t.operand));
    Expr acc = apply_signs(tail.back().signs, ops.back());
    for (std::size_t i = ops.size() - 1; i-- > 0;) acc = apply_signs(tail[i].signs, ctx_.pow(ops[i], acc));
    return acc;
}

// The letters of a name that reads as a product of one-letter variables, else nothing.
Parts Lowering::juxtaposed(const ast::Primary& p) const {
    const auto* n = boost::get<ast::Name>(&p.get());
    if (!n || declared_.count(n->text) || find_constant(n->text) != Constant::None ||
        find_function(n->text) || user(n->text) || is_index(n->text))
        return {};
    return split(n->text);
}

Expr Lowering::postfix(const ast::Postfix& p) {
    Expr v = primary(p.primary);
    if (p.sup) v = ctx_.pow(v, superscript(*p.sup));
    return v;
}

Expr Lowering::primary(const ast::Primary& p) {
    struct Visitor {
        Lowering& self;
        Expr operator()(const ast::Number& n) const { return self.number(n.text); }
        Expr operator()(const ast::Name& n) const { return self.name(n); }
        Expr operator()(const ast::Call& c) const { return self.call(c); }
        Expr operator()(const ast::Indexed& x) const { return self.indexed(x); }
        Expr operator()(const ast::Expression& e) const { return self.expression(e); }
        Expr operator()(const ast::List& l) const {
            self.fail(l.open.text, "a list [...] must be the whole expression or an item of a list");
        }
        Expr operator()(const ast::Root& r) const {
            Expr v = self.postfix(r.operand);
            for (unsigned i = 0; i < r.radicals.count; ++i) v = self.ctx_.sqrt(v);
            return v;
        }
    };
    return boost::apply_visitor(Visitor{*this}, p);
}

void Lowering::not_a_number(Expr s, std::string_view bare, const VectorUse& v) {
    Diagnostic d = make_diagnostic("", input_, offset(v.token));
    std::string where = std::to_string(d.line) + ":" + std::to_string(d.column);
    const std::string& n = s.name();
    std::string how = v.indexed ? "indexed at " + where : "len(" + n + ") at " + where;
    fail(bare, "'" + n + "' is a vector (" + how + "); use " + n + "[k]");
}

Expr Lowering::indexed(const ast::Indexed& x) {
    std::string_view at = between(x.open.text.data() + 1, x.close.text.data());
    Expr v = vector(x.name.text, at, true);
    Expr k = expression(x.index);
    if (k.is_number()) {
        if (!k.number().is_integer()) fail(at, "an index must be an integer");
        if (k.number().num() < 1) fail(at, "indices start at 1");
    } else if (!scope_.index.is_null() && depends_on(k, scope_.index) && !is_shift(k, scope_.index)) {
        fail(at, kIndexForm);
    }
    return ctx_.at(v, k);
}

Expr Lowering::length(const ast::Call& c) {
    if (c.args.size() != 1) fail(c.name.text, "len takes 1 argument, got " + std::to_string(c.args.size()));
    const ast::Name* n = plain_name(c.args[0].value);
    if (!n) fail(between(c.open.text.data() + 1, c.close.text.data()), "len takes the name of a vector, as in len(x)");
    return ctx_.len(vector(n->text, n->text, false));
}

// sum(body), mean(body), sum(i = lo..hi, body) and mean(i = lo..hi, body).
Expr Lowering::reduction(const ast::Call& c, bool mean) {
    std::string fn(c.name.text);
    if (scope_.reduction) fail(c.name.text, kNested);
    const ast::Argument& first = c.args[0];
    Scope outer = scope_;
    scope_.reduction = true;
    scope_.what = fn;
    if (!first.range) {
        if (c.args.size() != 1)
            fail(c.name.text, fn + " takes 1 argument, got " + std::to_string(c.args.size()) +
                                  " (over an index it is written " + fn + "(i = 1..n, x[i]))");
        scope_.rows = true;
        Expr body = expression(first.value);
        scope_ = outer;
        return mean ? ctx_.row_mean(body) : ctx_.row_sum(body);
    }
    if (c.args.size() == 1) fail(c.close.text, "expected ',' and the body of the " + fn + ", found ')'");
    if (c.args.size() > 2)
        fail(c.name.text, fn + "(i = lo..hi, body) takes a range and a body, got " +
                              std::to_string(c.args.size()) + " arguments");
    const ast::Range& r = *first.range;
    Expr index = index_name(c, fn);
    Expr lo = bound(r.lo, after(r.eq));
    Expr hi = bound(r.hi, after(r.dots));
    scope_.index = index;
    Expr body = expression(c.args[1].value);
    scope_ = outer;
    Expr s = ctx_.sum(index, lo, hi, body);
    return mean ? ctx_.div(s, ctx_.add({hi, ctx_.neg(lo), ctx_.integer(1)})) : s;
}

Expr Lowering::index_name(const ast::Call& c, const std::string& fn) {
    const ast::Argument& first = c.args[0];
    std::string_view at = between(c.open.text.data() + 1, first.range->eq.text.data());
    std::string example = ", as in " + fn + "(i = 1..n, x[i])";
    const ast::Name* n = plain_name(first.value);
    if (!n) fail(at, "the index of a " + fn + " must be a name" + example);
    std::string name(n->text);
    if (!declared_.count(n->text)) {
        if (find_constant(n->text) != Constant::None)
            fail(at, "the index of a " + fn + " must be a name, not the constant '" + name + "'" + example);
        if (find_function(n->text))
            fail(at, "the index of a " + fn + " must be a name, not the function '" + name + "'" + example);
    }
    return ctx_.symbol(n->text);
}

Expr Lowering::bound(const ast::Expression& e, std::string_view at) {
    Expr b = expression(e);
    if (b.is_number() && !b.number().is_integer()) fail(at, "a bound must be an integer");
    return b;
}

// A definition's body brings in what the text does not show; it must keep the rules the
// text keeps: no reduction inside another, indices i + c, no vector read as a number.
void Lowering::expansion(Expr v, std::string_view token) {
    struct Item {
        Expr e;
        bool rows;
        Expr bound;
    };
    std::vector<Item> stack{{v, scope_.rows, scope_.index}};
    std::set<std::tuple<NodeId, bool, NodeId>> seen;
    while (!stack.empty()) {
        Item it = stack.back();
        stack.pop_back();
        Expr e = it.e;
        if (!seen.insert({e.id(), it.rows, it.bound.is_null() ? ~NodeId{0} : it.bound.id()}).second) continue;
        if (scope_.reduction && is_reduction(e.op())) fail(token, kNested);
        switch (e.op()) {
        case Op::Sym:
            if (e != it.bound && !it.rows) note_bare(e, token);
            continue;
        case Op::At:
            note_vector(e[0], token, true);
            if (!it.bound.is_null() && depends_on(e[1], it.bound) && !is_shift(e[1], it.bound)) fail(token, kIndexForm);
            stack.push_back({e[1], it.rows, it.bound});
            continue;
        case Op::Len:
            note_vector(e[0], token, false);
            continue;
        case Op::Sum:
        case Op::Vec:
            stack.push_back({e[1], it.rows, it.bound});
            stack.push_back({e[2], it.rows, it.bound});
            stack.push_back({e[3], it.rows, e[0]});
            continue;
        case Op::RowSum:
        case Op::RowMean:
            stack.push_back({e[0], true, it.bound});
            continue;
        default:
            for (std::size_t i = 0; i < e.size(); ++i) stack.push_back({e[i], it.rows, it.bound});
        }
    }
}

// "unknown function 'sigmod' (did you mean 'sigmoid'?)": built-ins first, then definitions.
std::string Lowering::unknown_function(std::string_view fn) const {
    std::vector<std::string_view> known = function_names();
    std::vector<std::string_view> defined;
    for (const auto& [name, u] : user_)
        if (!u.params.empty()) defined.push_back(name);
    std::sort(defined.begin(), defined.end());
    known.insert(known.end(), defined.begin(), defined.end());
    return "unknown function '" + std::string(fn) + "'" + did_you_mean(fn, known);
}

const UserFunction* Lowering::user(std::string_view name) const {
    if (user_.empty() || find_function(name) || find_constant(name) != Constant::None) return nullptr;
    auto it = user_.find(std::string(name));
    return it == user_.end() ? nullptr : &it->second;
}

// A defined name used as a value: its body, whose variables join the parse's, parameters
// first (so `grad(f)` over a parse of `f` follows f's parameter order).
Expr Lowering::user_value(const UserFunction& u, std::string_view token) {
    check_capture(u, token);
    std::vector<Expr> free = free_symbols(u.body);
    for (Expr p : u.params)
        if (std::find(free.begin(), free.end(), p) != free.end()) variable(p.name());
    for (Expr v : free) variable(v.name());
    expansion(u.body, token);
    return u.body;
}

// A definition read inside sum(i = …, …) whose body has its own variable i: expanded
// there, that i would become the index. (Its parameters are replaced first, so a
// parameter named i is not a variable of the body.)
void Lowering::check_capture(const UserFunction& u, std::string_view token) {
    Expr i = scope_.index;
    if (i.is_null() || std::find(u.params.begin(), u.params.end(), i) != u.params.end() || !depends_on(u.body, i))
        return;
    std::string name(token);
    fail(token, "'" + name + "' uses the variable '" + i.name() + "', which is the index of this " + scope_.what +
                    " here; name the index differently");
}

// f(a, b) for f(x, y) = body: body with x and y replaced by a and b at once.
Expr Lowering::user_call(const ast::Call& c, const UserFunction& u) {
    std::string_view fn = c.name.text;
    if (c.args.size() != u.params.size()) {
        std::string names;
        for (Expr p : u.params) names += (names.empty() ? "" : ", ") + p.name();
        fail(fn, std::string(fn) + " takes " + plural(u.params.size(), "argument") + " (" + names + "), got " +
                     std::to_string(c.args.size()));
    }
    if (c.sup) check_function_superscript(c);
    check_capture(u, fn);
    std::vector<std::pair<Expr, Expr>> replacements;
    replacements.reserve(u.params.size());
    for (std::size_t i = 0; i < u.params.size(); ++i)
        replacements.emplace_back(u.params[i], expression(c.args[i].value));
    Expr v;
    // Substitution refuses to capture a name under a sum of the body, and a parameter
    // used as a vector cannot become a number: both are errors of this call.
    try {
        v = substitute(u.body, replacements);
    } catch (const Error& e) {
        fail(fn, e.what());
    }
    for (Expr s : free_symbols(v)) variable(s.name());
    expansion(v, fn);
    if (c.sup) v = ctx_.pow(v, superscript(*c.sup));
    return v;
}

Expr Lowering::variable(std::string_view text) {
    // Names repeat: a map by spelling spares the Context's lock and symbol table.
    if (auto it = by_name_.find(text); it != by_name_.end()) return it->second;
    Expr s = ctx_.symbol(text);
    by_name_.emplace(s.name(), s);
    if (seen_.insert(s.id()).second) variables_.push_back(s);
    return s;
}

Expr Lowering::call(const ast::Call& c) {
    std::string_view fn = c.name.text;
    const FnSpec* spec = find_function(fn);
    bool reduces = spec && (spec->kind == FnKind::Sum || spec->kind == FnKind::Mean);
    for (std::size_t i = 0; i < c.args.size(); ++i) {
        if (!c.args[i].range) continue;
        if (!reduces) fail(c.args[i].range->eq.text, "only sum and mean take a range, as in sum(i = 1..n, x[i])");
        if (i > 0) fail(c.args[i].range->eq.text, "the range comes first, as in " + std::string(fn) + "(i = 1..n, x[i])");
    }
    if (const UserFunction* u = user(fn); u && !u->params.empty()) return user_call(c, *u);
    if (!spec) return product_call(c);
    if (c.sup) check_function_superscript(c);
    Expr v;
    if (reduces) {
        v = reduction(c, spec->kind == FnKind::Mean);
    } else if (spec->kind == FnKind::Len) {
        v = length(c);
    } else {
        if (c.args.size() < spec->min_args || c.args.size() > spec->max_args)
            fail(fn, std::string(fn) + " takes " + arity_text(*spec) + ", got " + std::to_string(c.args.size()));
        Exprs args;
        args.reserve(c.args.size());
        for (const auto& a : c.args) args.push_back(expression(a.value));
        v = apply_builtin(ctx_, *spec, view(args));
    }
    if (c.sup) v = ctx_.pow(v, superscript(*c.sup));
    return v;
}

void Lowering::check_function_superscript(const ast::Call& c) {
    const std::string v = c.sup->value();
    bool positive_integer = !v.empty() && v[0] >= '1' && v[0] <= '9';
    for (char ch : v) positive_integer = positive_integer && ch >= '0' && ch <= '9';
    if (positive_integer) return;
    std::string fn(c.name.text);
    if (v == "-1")
        fail(c.sup->text, "'" + fn + "⁻¹' is ambiguous: write the inverse by its name (as in asin(x)) or the "
                                     "reciprocal as 1/" + fn + "(x)");
    fail(c.sup->text, "a superscript on a function name must be a positive integer, as in " + fn + "²(x)");
}

// `x(x+1)`, `2x(x+1)`, `a²(b)`: a value name followed by one parenthesised argument is a
// product. Other names with parentheses are unknown functions.
Expr Lowering::product_call(const ast::Call& c) {
    Expr head = product_head(c);
    return ctx_.mul({head, expression(c.args[0].value)});
}

// The call when p is `name(…)` that call() would read as a product (or refuse as an
// unknown function): not a built-in, not a definition with parameters, no range.
const ast::Call* Lowering::product_call_of(const ast::Primary& p) const {
    const auto* fc = boost::get<ast::x3::forward_ast<ast::Call>>(&p.get());
    if (!fc) return nullptr;
    const ast::Call& c = fc->get();
    if (find_function(c.name.text)) return nullptr;
    if (const UserFunction* u = user(c.name.text); u && !u->params.empty()) return nullptr;
    for (const auto& a : c.args)
        if (a.range) return nullptr;
    return &c;
}

// The factor before the bracket of a product call, with its superscript (`a²(b)`).
Expr Lowering::product_head(const ast::Call& c) {
    std::string_view fn = c.name.text;
    if (c.args.size() != 1 || !resolves_as_value(fn)) fail(fn, unknown_function(fn));
    Expr base = resolve(fn, fn);
    if (c.sup) base = ctx_.pow(base, superscript(*c.sup));
    return base;
}

// The input from `first` to `last` without the blanks at either end: what a caret underlines.
std::string_view Lowering::between(const char* first, const char* last) const {
    while (first < last && is_blank(*first)) ++first;
    while (last > first && is_blank(last[-1])) --last;
    return {first, static_cast<std::size_t>(last - first)};
}

// The first character after a token, past blanks: where the expression that follows starts.
std::string_view Lowering::after(const ast::Punct& p) const {
    const char* first = p.text.data() + p.text.size();
    const char* end = input_.data() + input_.size();
    while (first < end && is_blank(*first)) ++first;
    std::size_t n = first < end ? charset::utf8_length(static_cast<unsigned char>(*first)) : 0;
    return {first, n};
}

void Lowering::fail(std::string_view token, std::string message) {
    throw Error(make_diagnostic(std::move(message), input_, offset(token),
                                std::max<std::size_t>(1, std::min<std::size_t>(code_point_count(token), 60))));
}

} // namespace symdiff::detail::lowering

namespace symdiff::detail {

Parsed lower(Context& ctx, std::string_view input, const ast::Expression& tree, const ParseOptions& options) {
    return lowering::Lowering(ctx, input, options).run(tree);
}

} // namespace symdiff::detail
