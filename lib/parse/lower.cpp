// Lowering the syntax tree to the IR: name resolution, function aliases, arity checks and the
// iterative folding of operator chains. No X3 here; the grammar is in grammars/.
#include "parse/lower.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "charset.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/simplify.hpp"

namespace symdiff::detail {
namespace {

// How a function name lowers. Direct names one Op; the others are aliases written in terms
// of the Ops (ops.def has no log-base, sqrt, sec, ...).
enum class FnKind { Direct, Log, Log2, Log10, Sqrt, Sec, Csc, Cot, Fold, DataReduction };

struct FnSpec {
    FnKind kind;
    Op op;
    std::size_t min_args;
    std::size_t max_args; // SIZE_MAX: any number
};

constexpr std::size_t kAny = std::numeric_limits<std::size_t>::max();

const std::unordered_map<std::string_view, FnSpec>& functions() {
    static const std::unordered_map<std::string_view, FnSpec> table = [] {
        std::unordered_map<std::string_view, FnSpec> t;
        auto unary = [&](std::string_view name, Op op) { t.emplace(name, FnSpec{FnKind::Direct, op, 1, 1}); };
        unary("exp", Op::Exp);
        unary("ln", Op::Log);
        unary("sin", Op::Sin);
        unary("cos", Op::Cos);
        unary("tan", Op::Tan);
        unary("asin", Op::Asin);
        unary("acos", Op::Acos);
        unary("atan", Op::Atan);
        unary("arcsin", Op::Asin);
        unary("arccos", Op::Acos);
        unary("arctan", Op::Atan);
        unary("sinh", Op::Sinh);
        unary("cosh", Op::Cosh);
        unary("tanh", Op::Tanh);
        unary("asinh", Op::Asinh);
        unary("acosh", Op::Acosh);
        unary("atanh", Op::Atanh);
        unary("arcsinh", Op::Asinh);
        unary("arccosh", Op::Acosh);
        unary("arctanh", Op::Atanh);
        unary("abs", Op::Abs);
        unary("sign", Op::Sign);
        unary("heaviside", Op::Heaviside);
        unary("cbrt", Op::Cbrt);
        unary("erf", Op::Erf);
        unary("sigmoid", Op::Sigmoid);
        unary("\xCF\x83", Op::Sigmoid); // σ(z), as the tutorials write it; bare σ is a variable
        unary("relu", Op::Relu);
        unary("softplus", Op::Softplus);
        t.emplace("atan2", FnSpec{FnKind::Direct, Op::Atan2, 2, 2});
        t.emplace("arctan2", FnSpec{FnKind::Direct, Op::Atan2, 2, 2});
        t.emplace("log", FnSpec{FnKind::Log, Op::Log, 1, 2});
        t.emplace("log2", FnSpec{FnKind::Log2, Op::Log, 1, 1});
        t.emplace("log10", FnSpec{FnKind::Log10, Op::Log, 1, 1});
        t.emplace("sqrt", FnSpec{FnKind::Sqrt, Op::Num, 1, 1});
        t.emplace("sec", FnSpec{FnKind::Sec, Op::Cos, 1, 1});
        t.emplace("csc", FnSpec{FnKind::Csc, Op::Sin, 1, 1});
        t.emplace("cot", FnSpec{FnKind::Cot, Op::Tan, 1, 1});
        t.emplace("max", FnSpec{FnKind::Fold, Op::Max, 2, kAny});
        t.emplace("min", FnSpec{FnKind::Fold, Op::Min, 2, kAny});
        t.emplace("sum", FnSpec{FnKind::DataReduction, Op::Num, 1, 1});
        t.emplace("mean", FnSpec{FnKind::DataReduction, Op::Num, 1, 1});
        return t;
    }();
    return table;
}

const FnSpec* find_function(std::string_view name) {
    auto it = functions().find(name);
    return it == functions().end() ? nullptr : &it->second;
}

bool is_sigma(std::string_view name) { return name == "\xCF\x83"; }

enum class Constant { None, Pi, E, Inf, Nan };

Constant find_constant(std::string_view name) {
    if (name == "pi" || name == "\xCF\x80") return Constant::Pi;
    if (name == "e") return Constant::E;
    if (name == "inf") return Constant::Inf;
    if (name == "nan") return Constant::Nan;
    return Constant::None;
}

std::size_t code_point_count(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); i += charset::utf8_length(static_cast<unsigned char>(s[i]))) ++n;
    return n;
}

std::string plural(std::size_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string arity_text(const FnSpec& spec) {
    if (spec.max_args == kAny) return "at least " + plural(spec.min_args, "argument");
    if (spec.min_args == spec.max_args) return plural(spec.min_args, "argument");
    return std::to_string(spec.min_args) + " or " + plural(spec.max_args, "argument");
}

class Lowering {
public:
    Lowering(Context& ctx, std::string_view input, const ParseOptions& options)
        : ctx_(ctx), input_(input), declared_(options.variables.begin(), options.variables.end()),
          user_(options.functions) {}
    // declared_ views the strings of options.variables, which outlive the lowering.

    Parsed run(const ast::Expression& tree) {
        collect_standalone(tree);
        Expr e = expression(tree, true);
        return Parsed{e, std::move(variables_)};
    }

private:
    // --- pass 1: one-letter names that stand alone, so that `3xy` may read as 3·x·y.

    void collect_standalone(const ast::Expression& e) {
        collect(e.first);
        for (const auto& t : e.rest) collect(t.operand);
    }
    void collect(const ast::Term& t) {
        collect(t.first);
        for (const auto& m : t.rest) collect(m.operand);
    }
    void collect(const ast::Signed& s) {
        collect(s.power.base);
        for (const auto& p : s.power.tail) collect(p.operand);
    }
    void collect(const ast::Postfix& p) {
        if (p.sup) note_standalone(superscript_letter(*p.sup));
        struct Visitor {
            Lowering& self;
            void operator()(const ast::Number&) const {}
            void operator()(const ast::Name& n) const {
                if (!self.user(n.text)) self.note_standalone(n.text);
            }
            void operator()(const ast::Call& c) const {
                if (!find_function(c.name.text) && !self.user(c.name.text)) self.note_standalone(c.name.text);
                for (const auto& a : c.args) self.collect_standalone(a);
            }
            void operator()(const ast::Expression& e) const { self.collect_standalone(e); }
            void operator()(const ast::List& l) const {
                for (const auto& a : l.items) self.collect_standalone(a);
            }
            void operator()(const ast::Root& r) const { self.collect(r.operand); }
        };
        boost::apply_visitor(Visitor{*this}, p.primary);
    }
    static std::string_view superscript_letter(const ast::Superscript& s) {
        std::string_view v = s.value;
        if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
        if (v.size() == 1 && !(v[0] >= '0' && v[0] <= '9')) return v;
        return {};
    }
    void note_standalone(std::string_view name) {
        if (name.empty() || code_point_count(name) != 1) return;
        if (find_constant(name) != Constant::None || find_function(name)) return;
        standalone_.insert(name);
    }

    // --- pass 2: lowering.

    Expr expression(const ast::Expression& e, bool list_allowed = false) {
        if (list_allowed && e.rest.empty()) {
            if (const ast::List* l = bare_list(e)) return list(*l);
        }
        std::vector<Expr> terms;
        terms.reserve(1 + e.rest.size());
        terms.push_back(term(e.first));
        for (const auto& t : e.rest) {
            Expr v = term(t.operand);
            terms.push_back(t.op == '-' ? ctx_.neg(v) : v);
        }
        return terms.size() == 1 ? terms[0] : ctx_.add(terms);
    }

    // The list when e is nothing but `[ … ]`.
    static const ast::List* bare_list(const ast::Expression& e) {
        const ast::Term& t = e.first;
        if (!t.rest.empty() || !t.first.signs.empty()) return nullptr;
        const ast::Power& p = t.first.power;
        if (!p.tail.empty() || p.base.sup) return nullptr;
        const auto* l = boost::get<ast::x3::forward_ast<ast::List>>(&p.base.primary.get());
        return l ? &l->get() : nullptr;
    }

    Expr list(const ast::List& l) {
        std::vector<Expr> items;
        items.reserve(l.items.size());
        for (const auto& item : l.items) items.push_back(expression(item, true));
        return ctx_.list(items);
    }

    Expr term(const ast::Term& t) {
        if (t.rest.empty()) return signed_operand(t.first);
        std::vector<Expr> factors;
        factors.reserve(1 + t.rest.size());
        factors.push_back(signed_operand(t.first));
        for (const auto& m : t.rest) {
            Expr v = signed_operand(m.operand);
            factors.push_back(m.op == '/' ? ctx_.pow(v, ctx_.integer(-1)) : v);
        }
        return ctx_.mul(factors);
    }

    Expr apply_signs(std::string_view signs, Expr v) {
        std::size_t minus = 0;
        for (char c : signs) minus += c == '-';
        return minus % 2 ? ctx_.neg(v) : v;
    }

    Expr signed_operand(const ast::Signed& s) { return apply_signs(s.signs, power(s.power)); }

    // a ^ s1 b ^ s2 c … is a^(s1 (b^(s2 c …))): operands are lowered left to right (the order
    // of first appearance), then folded from the right without recursion.
    //
    // A juxtaposition of letters as the base binds the exponent to its last letter only, as a
    // textbook means it: `3xy²` is 3·x·y², `ye^(xy)` is y·e^(xy).
    Expr power(const ast::Power& p) {
        std::vector<Expr> leading;
        Expr base;
        std::vector<std::string_view> parts = juxtaposed(p.base.primary);
        if (!parts.empty() && (p.base.sup || !p.tail.empty())) {
            for (std::size_t i = 0; i + 1 < parts.size(); ++i) leading.push_back(letter(parts[i]));
            base = letter(parts.back());
            if (p.base.sup) base = ctx_.pow(base, superscript(*p.base.sup));
        } else {
            base = postfix(p.base);
        }
        Expr result = p.tail.empty() ? base : ctx_.pow(base, exponent_chain(p.tail));
        if (leading.empty()) return result;
        leading.push_back(result);
        return ctx_.mul(leading);
    }

    Expr exponent_chain(const std::vector<ast::PowTail>& tail) {
        std::vector<Expr> ops;
        ops.reserve(tail.size());
        for (const auto& t : tail) ops.push_back(postfix(t.operand));
        Expr acc = apply_signs(tail.back().signs, ops.back());
        for (std::size_t i = ops.size() - 1; i-- > 0;) acc = apply_signs(tail[i].signs, ctx_.pow(ops[i], acc));
        return acc;
    }

    // The letters of a name that reads as a product of one-letter variables, else nothing.
    std::vector<std::string_view> juxtaposed(const ast::Primary& p) const {
        const auto* n = boost::get<ast::Name>(&p.get());
        if (!n || declared_.count(n->text) || find_constant(n->text) != Constant::None ||
            find_function(n->text) || user(n->text))
            return {};
        return split(n->text);
    }

    // One part of a juxtaposition: a variable, or the constant e.
    Expr letter(std::string_view part) {
        return part == "e" && !declared_.count("e") ? ctx_.e() : variable(part);
    }

    Expr postfix(const ast::Postfix& p) {
        Expr v = primary(p.primary);
        if (p.sup) v = ctx_.pow(v, superscript(*p.sup));
        return v;
    }

    Expr primary(const ast::Primary& p) {
        struct Visitor {
            Lowering& self;
            Expr operator()(const ast::Number& n) const { return self.number(n.text); }
            Expr operator()(const ast::Name& n) const { return self.name(n); }
            Expr operator()(const ast::Call& c) const { return self.call(c); }
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

    Expr number(std::string_view text) {
        std::optional<Number> n = Number::from_decimal(text);
        if (!n) fail(text, "malformed number");
        if (!n->is_finite()) fail(text, "number too large for a double (the largest is about 1.8e308)");
        return ctx_.number(*n);
    }

    Expr superscript(const ast::Superscript& s) {
        std::string_view v = s.value;
        bool negative = !v.empty() && v[0] == '-';
        if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
        Expr e;
        if (!v.empty() && v[0] >= '0' && v[0] <= '9') {
            std::optional<Number> n = Number::from_decimal(v);
            if (!n || !n->is_finite()) fail(s.text, "superscript exponent too large for a double");
            e = ctx_.number(*n);
        } else {
            e = resolve(v);
        }
        return negative ? ctx_.neg(e) : e;
    }

    // A name used as a value (not called).
    Expr name(const ast::Name& n) {
        if (const UserFunction* u = user(n.text)) return user_value(*u);
        if (!declared_.count(n.text) && !is_sigma(n.text)) {
            if (const FnSpec* f = find_function(n.text); f && f->kind != FnKind::DataReduction) {
                std::string fn(n.text);
                fail(n.text, "function '" + fn + "' needs its arguments in parentheses, as in " + fn + "(x)");
            }
        }
        return resolve(n.text);
    }

    // The value of a name that is not a function: declared variable, constant, product of
    // juxtaposed one-letter variables, or a new variable.
    Expr resolve(std::string_view text) {
        if (const UserFunction* u = user(text)) return user_value(*u);
        if (declared_.count(text)) return variable(text);
        switch (find_constant(text)) {
        case Constant::Pi: return ctx_.pi();
        case Constant::E: return ctx_.e();
        case Constant::Inf: return ctx_.real(std::numeric_limits<double>::infinity());
        case Constant::Nan: return ctx_.real(std::numeric_limits<double>::quiet_NaN());
        case Constant::None: break;
        }
        if (std::vector<std::string_view> parts = split(text); !parts.empty()) {
            std::vector<Expr> factors;
            factors.reserve(parts.size());
            for (std::string_view part : parts) factors.push_back(letter(part));
            return ctx_.mul(factors);
        }
        return variable(text);
    }

    // The one-letter variables (and constants e) `text` is the juxtaposition of, or nothing
    // (see "Juxtaposed letters" in grammars/README.md). At least one part must be a variable.
    std::vector<std::string_view> split(std::string_view text) const {
        if (text.size() < 2 || charset::utf8_length(static_cast<unsigned char>(text[0])) == text.size()) return {};
        std::vector<std::string_view> parts;
        bool any_variable = false;
        for (std::size_t i = 0; i < text.size();) {
            charset::CodePoint cp = charset::decode(text, i);
            std::string_view part = text.substr(i, cp.length);
            bool is_letter = cp.value != '_' && !(cp.value >= '0' && cp.value <= '9');
            bool known = declared_.count(part) || standalone_.count(part);
            if (!is_letter || find_function(part)) return {};
            if (part != "e" && (!known || find_constant(part) != Constant::None)) return {};
            any_variable = any_variable || part != "e";
            parts.push_back(part);
            i += cp.length;
        }
        if (parts.size() < 2 || !any_variable) return {};
        return parts;
    }

    bool resolves_as_value(std::string_view text) const {
        return declared_.count(text) || find_constant(text) != Constant::None ||
               code_point_count(text) == 1 || !split(text).empty() || user(text);
    }

    // --- user definitions (ParseOptions::functions)

    const UserFunction* user(std::string_view name) const {
        if (user_.empty() || find_function(name) || find_constant(name) != Constant::None) return nullptr;
        auto it = user_.find(std::string(name));
        return it == user_.end() ? nullptr : &it->second;
    }

    // A defined name used as a value: its body, whose variables join the parse's, parameters
    // first (so `grad(f)` over a parse of `f` follows f's parameter order).
    Expr user_value(const UserFunction& u) {
        std::vector<Expr> free = free_symbols(u.body);
        for (Expr p : u.params)
            if (std::find(free.begin(), free.end(), p) != free.end()) variable(p.name());
        for (Expr v : free) variable(v.name());
        return u.body;
    }

    // f(a, b) for f(x, y) = body: body with x and y replaced by a and b at once.
    Expr user_call(const ast::Call& c, const UserFunction& u) {
        std::string_view fn = c.name.text;
        if (c.args.size() != u.params.size()) {
            std::string names;
            for (Expr p : u.params) names += (names.empty() ? "" : ", ") + p.name();
            fail(fn, std::string(fn) + " takes " + plural(u.params.size(), "argument") + " (" + names + "), got " +
                         std::to_string(c.args.size()));
        }
        if (c.sup) check_function_superscript(c);
        std::vector<std::pair<Expr, Expr>> replacements;
        replacements.reserve(u.params.size());
        for (std::size_t i = 0; i < u.params.size(); ++i) replacements.emplace_back(u.params[i], expression(c.args[i]));
        Expr v = substitute(u.body, replacements);
        for (Expr s : free_symbols(v)) variable(s.name());
        if (c.sup) v = ctx_.pow(v, superscript(*c.sup));
        return v;
    }

    Expr variable(std::string_view text) {
        Expr s = ctx_.symbol(text);
        if (seen_.insert(s.id()).second) variables_.push_back(s);
        return s;
    }

    Expr call(const ast::Call& c) {
        std::string_view fn = c.name.text;
        if (const UserFunction* u = user(fn); u && !u->params.empty()) return user_call(c, *u);
        const FnSpec* spec = find_function(fn);
        if (!spec) return product_call(c);
        if (spec->kind == FnKind::DataReduction)
            fail(fn, std::string(fn) + "(...) over data columns is not supported yet");
        if (c.args.size() < spec->min_args || c.args.size() > spec->max_args)
            fail(fn, std::string(fn) + " takes " + arity_text(*spec) + ", got " + std::to_string(c.args.size()));
        if (c.sup) check_function_superscript(c);
        std::vector<Expr> args;
        args.reserve(c.args.size());
        for (const auto& a : c.args) args.push_back(expression(a));
        Expr v = apply(*spec, args);
        if (c.sup) v = ctx_.pow(v, superscript(*c.sup));
        return v;
    }

    void check_function_superscript(const ast::Call& c) {
        const std::string& v = c.sup->value;
        bool positive_integer = !v.empty() && v[0] >= '1' && v[0] <= '9';
        for (char ch : v) positive_integer = positive_integer && ch >= '0' && ch <= '9';
        if (positive_integer) return;
        std::string fn(c.name.text);
        if (v == "-1")
            fail(c.sup->text, "'" + fn + "⁻¹' is ambiguous: write the inverse by its name (as in asin(x)) or the "
                                         "reciprocal as 1/" + fn + "(x)");
        fail(c.sup->text, "a superscript on a function name must be a positive integer, as in " + fn + "²(x)");
    }

    Expr apply(const FnSpec& spec, std::span<const Expr> args) {
        switch (spec.kind) {
        case FnKind::Direct: return ctx_.call(spec.op, args);
        case FnKind::Log:
            if (args.size() == 1) return ctx_.call(Op::Log, {args[0]});
            return ctx_.div(ctx_.call(Op::Log, {args[0]}), ctx_.call(Op::Log, {args[1]}));
        case FnKind::Log2: return ctx_.div(ctx_.call(Op::Log, {args[0]}), ctx_.call(Op::Log, {ctx_.integer(2)}));
        case FnKind::Log10: return ctx_.div(ctx_.call(Op::Log, {args[0]}), ctx_.call(Op::Log, {ctx_.integer(10)}));
        case FnKind::Sqrt: return ctx_.sqrt(args[0]);
        case FnKind::Sec: return ctx_.div(ctx_.integer(1), ctx_.call(Op::Cos, {args[0]}));
        case FnKind::Csc: return ctx_.div(ctx_.integer(1), ctx_.call(Op::Sin, {args[0]}));
        case FnKind::Cot: return ctx_.div(ctx_.integer(1), ctx_.call(Op::Tan, {args[0]}));
        case FnKind::Fold: {
            Expr acc = args[0];
            for (std::size_t i = 1; i < args.size(); ++i) acc = ctx_.call(spec.op, {acc, args[i]});
            return acc;
        }
        case FnKind::DataReduction: break;
        }
        throw Error("internal error: unhandled function kind");
    }

    // `x(x+1)`, `2x(x+1)`, `a²(b)`: a value name followed by one parenthesised argument is a
    // product. Other names with parentheses are unknown functions.
    Expr product_call(const ast::Call& c) {
        std::string_view fn = c.name.text;
        if (c.args.size() != 1 || !resolves_as_value(fn)) fail(fn, "unknown function '" + std::string(fn) + "'");
        Expr base = resolve(fn);
        if (c.sup) base = ctx_.pow(base, superscript(*c.sup));
        return ctx_.mul({base, expression(c.args[0])});
    }

    [[noreturn]] void fail(std::string_view token, std::string message) {
        std::size_t offset = static_cast<std::size_t>(token.data() - input_.data());
        throw Error(make_diagnostic(std::move(message), input_, offset, std::min<std::size_t>(code_point_count(token), 60)));
    }

    Context& ctx_;
    std::string_view input_;
    std::unordered_set<std::string_view> declared_;
    std::unordered_set<std::string_view> standalone_;
    std::vector<Expr> variables_;
    std::unordered_set<NodeId> seen_;
    const std::unordered_map<std::string, UserFunction>& user_;
};

} // namespace

Parsed lower(Context& ctx, std::string_view input, const ast::Expression& tree, const ParseOptions& options) {
    return Lowering(ctx, input, options).run(tree);
}

} // namespace symdiff::detail
