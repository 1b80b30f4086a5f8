// Lowering the syntax tree to the IR: name resolution, function aliases, arity checks, the
// rules of vectors and reductions, and the iterative folding of operator chains. No X3 here;
// the grammar is in grammars/.
#include "parse/lower.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <boost/container/small_vector.hpp>

#include "charset.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/simplify.hpp"
#include "symdiff/suggest.hpp"

namespace symdiff::detail {
namespace {

// How a function name lowers. Direct names one Op; the others are aliases written in terms
// of the Ops (ops.def has no log-base, sqrt, sec, ...).
enum class FnKind { Direct, Log, Log2, Log10, Sqrt, Pow, Sec, Csc, Cot, Fold, Sum, Mean, Len };

struct FnSpec {
    FnKind kind;
    Op op;
    std::size_t min_args;
    std::size_t max_args; // SIZE_MAX: any number
};

constexpr std::size_t kAny = std::numeric_limits<std::size_t>::max();

// Operand lists of one node are short: kept off the heap (a large input has hundreds of
// thousands of them).
using Exprs = boost::container::small_vector<Expr, 8>;
using Parts = boost::container::small_vector<std::string_view, 8>;
std::span<const Expr> view(const Exprs& v) { return {v.data(), v.size()}; }

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
        // The spellings of C (and of the C format's output): pow(a, b) = a^b, fabs = abs.
        t.emplace("pow", FnSpec{FnKind::Pow, Op::Pow, 2, 2});
        unary("fabs", Op::Abs);
        t.emplace("sec", FnSpec{FnKind::Sec, Op::Cos, 1, 1});
        t.emplace("csc", FnSpec{FnKind::Csc, Op::Sin, 1, 1});
        t.emplace("cot", FnSpec{FnKind::Cot, Op::Tan, 1, 1});
        t.emplace("max", FnSpec{FnKind::Fold, Op::Max, 2, kAny});
        t.emplace("min", FnSpec{FnKind::Fold, Op::Min, 2, kAny});
        t.emplace("sum", FnSpec{FnKind::Sum, Op::Sum, 1, 2});
        t.emplace("mean", FnSpec{FnKind::Mean, Op::RowMean, 1, 2});
        t.emplace("len", FnSpec{FnKind::Len, Op::Len, 1, 1});
        return t;
    }();
    return table;
}

// The lengths and first bytes of the function names: most names asked about are variables,
// and these two tests turn them away without hashing.
struct FnFilter {
    std::size_t shortest = ~std::size_t{0};
    std::size_t longest = 0;
    bool first[256] = {};
};

const FnFilter& function_filter() {
    static const FnFilter filter = [] {
        FnFilter f;
        for (const auto& [name, spec] : functions()) {
            f.shortest = std::min(f.shortest, name.size());
            f.longest = std::max(f.longest, name.size());
            f.first[static_cast<unsigned char>(name[0])] = true;
        }
        return f;
    }();
    return filter;
}

const FnSpec* find_function(std::string_view name) {
    const FnFilter& f = function_filter();
    if (name.size() < f.shortest || name.size() > f.longest || !f.first[static_cast<unsigned char>(name[0])])
        return nullptr;
    auto it = functions().find(name);
    return it == functions().end() ? nullptr : &it->second;
}

// The names a misspelt function may have meant, in alphabetical order (so that among names
// equally near the suggestion does not depend on the hash table).
const std::vector<std::string_view>& function_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> v;
        for (const auto& [name, spec] : functions()) v.push_back(name);
        std::sort(v.begin(), v.end());
        return v;
    }();
    return names;
}

// The blanks of the grammar (config.hpp), which positions skip over.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

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

// Whether the index k is `i + c` for the sum index i and an integer c (`i` itself is c = 0):
// the only form whose extreme values the evaluators know before a loop runs.
bool is_shift(Expr k, Expr i) {
    if (k == i) return true;
    return k.is(Op::Add) && k.size() == 2 && k[0].is_number() && k[0].number().is_integer() && k[1] == i;
}

constexpr const char* kIndexForm = "an index must be i + c for a sum index i and an integer c, or free of sum indices";
constexpr const char* kNested = "sums and means cannot be nested";

// The name when e is nothing but a name: the index of a sum and the argument of len.
const ast::Name* plain_name(const ast::Expression& e) {
    const ast::Term& t = e.first;
    if (!e.rest.empty() || !t.rest.empty() || !t.first.signs.empty()) return nullptr;
    const ast::Power& p = t.first.power;
    if (!p.tail.empty() || p.base.sup) return nullptr;
    return boost::get<ast::Name>(&p.base.primary.get());
}

// A name split at its trailing digits: x12 is ("x", "12"); a name without them, or of digits
// only, has no number.
struct NumberedName {
    std::string_view stem, digits;
};

NumberedName numbered(std::string_view name) {
    std::size_t end = name.size();
    while (end > 0 && std::isdigit(static_cast<unsigned char>(name[end - 1]))) --end;
    if (end == 0 || end == name.size()) return {name, {}};
    return {name.substr(0, end), name.substr(end)};
}

// x2 before x10: digit runs compared as numbers (without their leading zeros), then x1
// before x01, so that distinct names never tie.
bool numerically_before(std::string_view a, std::string_view b) {
    auto value = [](std::string_view d) { return d.substr(std::min(d.find_first_not_of('0'), d.size())); };
    const std::string_view va = value(a), vb = value(b);
    if (va.size() != vb.size()) return va.size() < vb.size();
    if (va != vb) return va < vb;
    return a.size() < b.size();
}

// The natural order of variables: names that differ only in a trailing number (x1, x2, ...,
// x10) come together, in numeric order, at the place of the first of them in the text;
// every other name keeps its place of first appearance. A flat sum written from
// 100*(x2 - x1^2)^2 on is a function of x1, x2, x3, ..., and `w*x + b` still of w, x, b.
void natural_order(std::vector<Expr>& names) {
    std::vector<Expr> out;
    out.reserve(names.size());
    std::unordered_set<std::string_view> placed; // stems whose family is out already
    for (Expr v : names) {
        const NumberedName n = numbered(v.name());
        if (n.digits.empty()) {
            out.push_back(v);
            continue;
        }
        if (!placed.insert(n.stem).second) continue;
        const std::size_t first = out.size();
        for (Expr w : names) {
            const NumberedName m = numbered(w.name());
            if (!m.digits.empty() && m.stem == n.stem) out.push_back(w);
        }
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), [](Expr a, Expr b) {
            return numerically_before(numbered(a.name()).digits, numbered(b.name()).digits);
        });
    }
    names = std::move(out);
}

class Lowering {
public:
    Lowering(Context& ctx, std::string_view input, const ParseOptions& options)
        : ctx_(ctx), input_(input), declared_(options.variables.begin(), options.variables.end()),
          user_(options.functions) {}
    // declared_ views the strings of options.variables, which outlive the lowering.

    Parsed run(const ast::Expression& tree) {
        find_indexed_names();
        Expr e = expression(tree, true);
        natural_order(variables_);
        natural_order(vectors_);
        return Parsed{e, std::move(variables_), std::move(vectors_), std::move(notes_)};
    }

private:
    // The names written before a '[' (x of x[k]), which are vectors: a juxtaposition with one
    // of them as a letter is no product (`3xy + x[1]` keeps the name xy). The grammar allows
    // only a name before '[' but blanks, so the text says it without a walk of the tree.
    void find_indexed_names() {
        for (std::size_t at = input_.find('['); at != std::string_view::npos; at = input_.find('[', at + 1)) {
            std::size_t end = at;
            while (end > 0 && is_blank(input_[end - 1])) --end;
            std::size_t begin = end;
            while (begin > 0 && (std::isalnum(static_cast<unsigned char>(input_[begin - 1])) || input_[begin - 1] == '_'))
                --begin;
            if (begin < end) indexed_names_.insert(input_.substr(begin, end - begin));
        }
    }

    // The letter of `ˣ`, `⁻ʸ`, …, as a view that outlives the call (resolve may keep it).
    static std::string_view superscript_letter(const ast::Superscript& s) {
        static constexpr std::string_view kLetters = "xyzn";
        std::string v = s.value();
        std::string_view w = v;
        if (!w.empty() && (w[0] == '-' || w[0] == '+')) w.remove_prefix(1);
        if (w.size() != 1) return {};
        std::size_t at = kLetters.find(w[0]);
        return at == std::string_view::npos ? std::string_view{} : kLetters.substr(at, 1);
    }
    // --- lowering.

    Expr expression(const ast::Expression& e, bool list_allowed = false) {
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
        Exprs factors;
        factors.reserve(1 + t.rest.size());
        factors.push_back(signed_operand(t.first));
        for (const auto& m : t.rest) {
            Expr v = signed_operand(m.operand);
            factors.push_back(m.op == '/' ? ctx_.pow(v, ctx_.integer(-1)) : v);
        }
        return ctx_.mul(view(factors));
    }

    Expr apply_signs(ast::Signs signs, Expr v) { return signs.minus % 2 ? ctx_.neg(v) : v; }

    Expr signed_operand(const ast::Signed& s) { return apply_signs(s.signs, power(s.power)); }

    // a ^ s1 b ^ s2 c … is a^(s1 (b^(s2 c …))): operands are lowered left to right (the order
    // of first appearance), then folded from the right without recursion.
    //
    // A juxtaposition of letters as the base binds the exponent to its last letter only, as a
    // textbook means it: `3xy²` is 3·x·y², `ye^(xy)` is y·e^(xy).
    Expr power(const ast::Power& p) {
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

    Expr exponent_chain(const std::vector<ast::PowTail>& tail) {
        Exprs ops;
        ops.reserve(tail.size());
        for (const auto& t : tail) ops.push_back(postfix(t.operand));
        Expr acc = apply_signs(tail.back().signs, ops.back());
        for (std::size_t i = ops.size() - 1; i-- > 0;) acc = apply_signs(tail[i].signs, ctx_.pow(ops[i], acc));
        return acc;
    }

    // The letters of a name that reads as a product of one-letter variables, else nothing.
    Parts juxtaposed(const ast::Primary& p) const {
        const auto* n = boost::get<ast::Name>(&p.get());
        if (!n || declared_.count(n->text) || find_constant(n->text) != Constant::None ||
            find_function(n->text) || user(n->text) || is_index(n->text))
            return {};
        return split(n->text);
    }

    // One part of a juxtaposition: a variable, the index of the enclosing sum, or the constant e.
    // A letter that is a defined value means the value, as it does alone (`a = 3`, then `ab`
    // is 3·b).
    Expr letter(std::string_view part, std::string_view token) {
        if (part == "e" && !declared_.count("e")) return ctx_.e();
        if (const UserFunction* u = user(part); u && u->params.empty() && !declared_.count(part))
            return user_value(*u, token);
        return scalar(part, token);
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

    Expr number(std::string_view text) {
        if (std::optional<Number> n = short_decimal(text)) return ctx_.number(*n);
        std::optional<Number> n = Number::from_decimal(text);
        if (!n) fail(text, "malformed number");
        if (!n->is_finite()) fail(text, "number too large for a double (the largest is about 1.8e308)");
        return ctx_.number(*n);
    }

    // `17`, `17.5`: digits with at most one point, no exponent and at most 15 digits, so the
    // value fits an int64 and 10^15 < 2^53 keeps Number exact. The same Number that
    // Number::from_decimal makes (rational() reduces), without its 128-bit arithmetic.
    static std::optional<Number> short_decimal(std::string_view text) {
        std::int64_t mant = 0, scale = 1;
        int digits = 0;
        bool point = false;
        for (char c : text) {
            if (c == '.' && !point) {
                point = true;
                continue;
            }
            if (c < '0' || c > '9' || ++digits > 15) return std::nullopt;
            mant = mant * 10 + (c - '0');
            if (point) scale *= 10;
        }
        if (digits == 0) return std::nullopt;
        if (mant == 0) return Number::integer(0);
        return scale == 1 ? Number::integer(mant) : Number::decimal(mant, scale);
    }

    Expr superscript(const ast::Superscript& s) {
        const std::string value = s.value();
        std::string_view v = value;
        bool negative = !v.empty() && v[0] == '-';
        if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
        Expr e;
        if (!v.empty() && v[0] >= '0' && v[0] <= '9') {
            std::optional<Number> n = Number::from_decimal(v);
            if (!n || !n->is_finite()) fail(s.text, "superscript exponent too large for a double");
            e = ctx_.number(*n);
        } else {
            // The letter as a view that outlives `value`: resolve may keep the spelling.
            e = resolve(superscript_letter(s), s.text);
        }
        return negative ? ctx_.neg(e) : e;
    }

    // A name used as a value (not called).
    Expr name(const ast::Name& n) {
        if (is_index(n.text)) return scope_.index;
        if (const UserFunction* u = user(n.text)) return user_value(*u, n.text);
        if (!declared_.count(n.text) && !is_sigma(n.text)) {
            if (find_function(n.text)) {
                std::string fn(n.text);
                fail(n.text, "function '" + fn + "' needs its arguments in parentheses, as in " + fn + "(x)");
            }
        }
        return resolve(n.text, n.text);
    }

    // The value of a name that is not a function: the index of the enclosing sum, a declared
    // variable, a constant, a product of juxtaposed one-letter variables, or a new variable.
    // `token` is where the name is written, for diagnostics.
    Expr resolve(std::string_view text, std::string_view token) {
        if (is_index(text)) return scope_.index;
        if (const UserFunction* u = user(text)) return user_value(*u, token);
        if (declared_.count(text)) return scalar(text, token);
        switch (find_constant(text)) {
        case Constant::Pi: return ctx_.pi();
        case Constant::E: return ctx_.e();
        case Constant::Inf: return ctx_.real(std::numeric_limits<double>::infinity());
        case Constant::Nan: return ctx_.real(std::numeric_limits<double>::quiet_NaN());
        case Constant::None: break;
        }
        if (starts_with_function(text)) note_function_prefix(text, token);
        if (Parts parts = split(text); !parts.empty()) {
            note_split(text, parts, token);
            Exprs factors;
            factors.reserve(parts.size());
            for (std::string_view part : parts) factors.push_back(letter(part, part));
            return ctx_.mul(view(factors));
        }
        return scalar(text, token);
    }

    // The one-letter variables (and constants e) `text` is the juxtaposition of, or nothing
    // (see "Juxtaposed letters" in grammars/README.md): a name of two letters or more, only
    // letters, not the name of a Greek letter, with at least one part a variable. The caller
    // has ruled out functions, constants, declared names, definitions and the sum index.
    Parts split(std::string_view text) const {
        if (text.size() < 2 || charset::utf8_length(static_cast<unsigned char>(text[0])) == text.size()) return {};
        if (is_greek_name(text) || starts_with_function(text)) return {};
        Parts parts;
        bool any_variable = false;
        for (std::size_t i = 0; i < text.size();) {
            charset::CodePoint cp = charset::decode(text, i);
            std::string_view part = text.substr(i, cp.length);
            bool is_letter = cp.value != '_' && !(cp.value >= '0' && cp.value <= '9');
            // σ is sigmoid when called; inside a longer name it is not split out.
            if (!is_letter || find_function(part) || indexed_names_.count(part)) return {};
            bool constant_e = part == "e" && !declared_.count(part);
            any_variable = any_variable || !constant_e;
            parts.push_back(part);
            i += cp.length;
        }
        if (parts.size() < 2 || !any_variable) return {};
        return parts;
    }

    // Whether text splits into letters that are all declared (or e): `xy(x+1)` with x and y
    // declared is x·y·(x+1). A longer name before a bracket is otherwise an unknown function,
    // not a product of letters: `sigmod(x)` is a misspelt function far more often.
    bool letters_declared(std::string_view text) const {
        Parts parts = split(text);
        if (parts.empty()) return false;
        for (std::string_view part : parts)
            if (part != "e" && !declared_.count(part)) return false;
        return true;
    }

    // `sinx`, `lnx`, `expx`: a function's name with its argument run on, which a split
    // (s·i·n·x) would never mean. It stays one variable, with a note (note_function_prefix).
    static std::string_view function_prefix(std::string_view text) {
        for (std::size_t n = std::min<std::size_t>(text.size() - 1, function_filter().longest); n >= 2; --n)
            if (find_function(text.substr(0, n))) return text.substr(0, n);
        return {};
    }
    static bool starts_with_function(std::string_view text) {
        if (text.size() < 3) return false;
        for (char c : text)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
        return !function_prefix(text).empty();
    }

    void note_function_prefix(std::string_view text, std::string_view token) {
        for (const Note& n : notes_)
            if (n.name == text) return;
        std::string_view fn = function_prefix(text);
        std::string arg(text.substr(fn.size()));
        Note n;
        n.name = std::string(text);
        n.reading = n.name;
        n.diagnostic = make_diagnostic("'" + n.name + "' is read as one variable; for the function write " +
                                           std::string(fn) + "(" + arg + ")",
                                       input_, offset(token), code_point_count(token));
        notes_.push_back(std::move(n));
    }

    // `alpha`, `theta`, `Sigma`, …: one variable, as the tutorials write them.
    static bool is_greek_name(std::string_view text) {
        static const std::unordered_set<std::string_view> names = {
            "alpha",   "beta",    "gamma",   "delta",   "epsilon", "varepsilon", "zeta",   "eta",    "theta",
            "vartheta", "iota",   "kappa",   "lambda",  "mu",      "nu",         "xi",     "omicron", "rho",
            "varrho",  "sigma",   "varsigma", "tau",    "upsilon", "phi",        "varphi", "chi",    "psi",
            "omega",   "Gamma",   "Delta",   "Theta",   "Lambda",  "Xi",         "Pi",     "Sigma",  "Upsilon",
            "Phi",     "Psi",     "Omega"};
        return names.count(text) != 0;
    }

    // A split is a reading that could have gone the other way: say so, once per name. Even
    // when every letter is declared: with columns x and y, `yy` is more often a misspelt
    // column than y², and only the note tells.
    void note_split(std::string_view text, const Parts& parts, std::string_view token) {
        for (const Note& n : notes_)
            if (n.name == text) return;
        std::string reading;
        for (std::string_view part : parts) reading += (reading.empty() ? "" : "*") + std::string(part);
        Note n;
        n.name = std::string(text);
        n.reading = reading;
        n.diagnostic = make_diagnostic("'" + n.name + "' is read as the product " + reading, input_, offset(token),
                                       code_point_count(token));
        notes_.push_back(std::move(n));
    }

    bool resolves_as_value(std::string_view text) const {
        return declared_.count(text) || find_constant(text) != Constant::None ||
               code_point_count(text) == 1 || letters_declared(text) || user(text) || is_index(text);
    }

    // --- vectors and reductions

    // Where the lowering is: a reduction may not contain another, a bare name inside a row
    // reduction may be a data column, and the index of a sum is bound in its body only.
    struct Scope {
        bool reduction = false; ///< inside the bounds or the body of a sum or mean
        bool rows = false;      ///< inside sum(body) or mean(body)
        Expr index;             ///< the index of the sum whose body this is
        std::string what;       ///< "sum" or "mean", for messages
    };

    bool is_index(std::string_view text) const { return !scope_.index.is_null() && scope_.index.name() == text; }

    // A name used as a number.
    Expr scalar(std::string_view text, std::string_view token) {
        if (is_index(text)) return scope_.index;
        Expr s = variable(text);
        if (!scope_.rows) note_bare(s, token);
        return s;
    }

    // A name used as a vector, in x[k] (indexed) or len(x). Misuse is reported at the name;
    // `where` is the position a later conflict cites: the index of x[k], the x of len(x).
    Expr vector(std::string_view text, std::string_view where, bool indexed) {
        std::string name(text);
        if (is_index(text)) fail(text, "'" + name + "' is the index of this " + scope_.what + ", not a vector");
        if (!declared_.count(text)) {
            if (find_constant(text) != Constant::None) fail(text, "'" + name + "' is a constant, not a vector");
            if (find_function(text) && !is_sigma(text)) fail(text, "'" + name + "' is a function, not a vector");
            if (user(text)) fail(text, "'" + name + "' is a definition, not a vector");
        }
        Expr s = variable(text);
        note_vector(s, where, indexed);
        return s;
    }

    // A vector read as a number is an error wherever it happens first, at the bare use. Inside
    // a row reduction a bare name may be a data column (a vector read row by row), so only
    // uses outside count.
    void note_bare(Expr s, std::string_view token) {
        if (auto it = vector_use_.find(s.id()); it != vector_use_.end()) not_a_number(s, token, it->second);
        bare_use_.try_emplace(s.id(), token);
    }
    void note_vector(Expr s, std::string_view token, bool indexed) {
        if (vector_use_.emplace(s.id(), VectorUse{token, indexed}).second) vectors_.push_back(s);
        if (auto it = bare_use_.find(s.id()); it != bare_use_.end()) not_a_number(s, it->second, vector_use_.at(s.id()));
    }
    struct VectorUse {
        std::string_view token;
        bool indexed;
    };
    [[noreturn]] void not_a_number(Expr s, std::string_view bare, const VectorUse& v) {
        Diagnostic d = make_diagnostic("", input_, offset(v.token));
        std::string where = std::to_string(d.line) + ":" + std::to_string(d.column);
        const std::string& n = s.name();
        std::string how = v.indexed ? "indexed at " + where : "len(" + n + ") at " + where;
        fail(bare, "'" + n + "' is a vector (" + how + "); use " + n + "[k]");
    }

    Expr indexed(const ast::Indexed& x) {
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

    Expr length(const ast::Call& c) {
        if (c.args.size() != 1) fail(c.name.text, "len takes 1 argument, got " + std::to_string(c.args.size()));
        const ast::Name* n = plain_name(c.args[0].value);
        if (!n) fail(between(c.open.text.data() + 1, c.close.text.data()), "len takes the name of a vector, as in len(x)");
        return ctx_.len(vector(n->text, n->text, false));
    }

    // sum(body), mean(body), sum(i = lo..hi, body) and mean(i = lo..hi, body).
    Expr reduction(const ast::Call& c, bool mean) {
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

    Expr index_name(const ast::Call& c, const std::string& fn) {
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

    Expr bound(const ast::Expression& e, std::string_view at) {
        Expr b = expression(e);
        if (b.is_number() && !b.number().is_integer()) fail(at, "a bound must be an integer");
        return b;
    }

    // A definition's body brings in what the text does not show; it must keep the rules the
    // text keeps: no reduction inside another, indices i + c, no vector read as a number.
    void expansion(Expr v, std::string_view token) {
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
    std::string unknown_function(std::string_view fn) const {
        std::vector<std::string_view> known = function_names();
        std::vector<std::string_view> defined;
        for (const auto& [name, u] : user_)
            if (!u.params.empty()) defined.push_back(name);
        std::sort(defined.begin(), defined.end());
        known.insert(known.end(), defined.begin(), defined.end());
        return "unknown function '" + std::string(fn) + "'" + did_you_mean(fn, known);
    }

    // --- user definitions (ParseOptions::functions)

    const UserFunction* user(std::string_view name) const {
        if (user_.empty() || find_function(name) || find_constant(name) != Constant::None) return nullptr;
        auto it = user_.find(std::string(name));
        return it == user_.end() ? nullptr : &it->second;
    }

    // A defined name used as a value: its body, whose variables join the parse's, parameters
    // first (so `grad(f)` over a parse of `f` follows f's parameter order).
    Expr user_value(const UserFunction& u, std::string_view token) {
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
    void check_capture(const UserFunction& u, std::string_view token) {
        Expr i = scope_.index;
        if (i.is_null() || std::find(u.params.begin(), u.params.end(), i) != u.params.end() || !depends_on(u.body, i))
            return;
        std::string name(token);
        fail(token, "'" + name + "' uses the variable '" + i.name() + "', which is the index of this " + scope_.what +
                        " here; name the index differently");
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

    Expr variable(std::string_view text) {
        // Names repeat: a map by spelling spares the Context's lock and symbol table.
        if (auto it = by_name_.find(text); it != by_name_.end()) return it->second;
        Expr s = ctx_.symbol(text);
        by_name_.emplace(s.name(), s);
        if (seen_.insert(s.id()).second) variables_.push_back(s);
        return s;
    }

    Expr call(const ast::Call& c) {
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
            v = apply(*spec, view(args));
        }
        if (c.sup) v = ctx_.pow(v, superscript(*c.sup));
        return v;
    }

    void check_function_superscript(const ast::Call& c) {
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

    Expr apply(const FnSpec& spec, std::span<const Expr> args) {
        switch (spec.kind) {
        case FnKind::Direct: return ctx_.call(spec.op, args);
        case FnKind::Log:
            if (args.size() == 1) return ctx_.call(Op::Log, {args[0]});
            return ctx_.div(ctx_.call(Op::Log, {args[0]}), ctx_.call(Op::Log, {args[1]}));
        case FnKind::Log2: return ctx_.div(ctx_.call(Op::Log, {args[0]}), ctx_.call(Op::Log, {ctx_.integer(2)}));
        case FnKind::Log10: return ctx_.div(ctx_.call(Op::Log, {args[0]}), ctx_.call(Op::Log, {ctx_.integer(10)}));
        case FnKind::Sqrt: return ctx_.sqrt(args[0]);
        case FnKind::Pow: return ctx_.pow(args[0], args[1]);
        case FnKind::Sec: return ctx_.div(ctx_.integer(1), ctx_.call(Op::Cos, {args[0]}));
        case FnKind::Csc: return ctx_.div(ctx_.integer(1), ctx_.call(Op::Sin, {args[0]}));
        case FnKind::Cot: return ctx_.div(ctx_.integer(1), ctx_.call(Op::Tan, {args[0]}));
        case FnKind::Fold: {
            Expr acc = args[0];
            for (std::size_t i = 1; i < args.size(); ++i) acc = ctx_.call(spec.op, {acc, args[i]});
            return acc;
        }
        case FnKind::Sum:
        case FnKind::Mean:
        case FnKind::Len: break; // their arguments are not values: see reduction() and length()
        }
        throw Error("internal error: unhandled function kind");
    }

    // `x(x+1)`, `2x(x+1)`, `a²(b)`: a value name followed by one parenthesised argument is a
    // product. Other names with parentheses are unknown functions.
    Expr product_call(const ast::Call& c) {
        Expr head = product_head(c);
        return ctx_.mul({head, expression(c.args[0].value)});
    }

    // The call when p is `name(…)` that call() would read as a product (or refuse as an
    // unknown function): not a built-in, not a definition with parameters, no range.
    const ast::Call* product_call_of(const ast::Primary& p) const {
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
    Expr product_head(const ast::Call& c) {
        std::string_view fn = c.name.text;
        if (c.args.size() != 1 || !resolves_as_value(fn)) fail(fn, unknown_function(fn));
        Expr base = resolve(fn, fn);
        if (c.sup) base = ctx_.pow(base, superscript(*c.sup));
        return base;
    }

    // --- positions

    std::size_t offset(std::string_view token) const { return static_cast<std::size_t>(token.data() - input_.data()); }

    // The input from `first` to `last` without the blanks at either end: what a caret underlines.
    std::string_view between(const char* first, const char* last) const {
        while (first < last && is_blank(*first)) ++first;
        while (last > first && is_blank(last[-1])) --last;
        return {first, static_cast<std::size_t>(last - first)};
    }

    // The first character after a token, past blanks: where the expression that follows starts.
    std::string_view after(const ast::Punct& p) const {
        const char* first = p.text.data() + p.text.size();
        const char* end = input_.data() + input_.size();
        while (first < end && is_blank(*first)) ++first;
        std::size_t n = first < end ? charset::utf8_length(static_cast<unsigned char>(*first)) : 0;
        return {first, n};
    }

    [[noreturn]] void fail(std::string_view token, std::string message) {
        throw Error(make_diagnostic(std::move(message), input_, offset(token),
                                    std::max<std::size_t>(1, std::min<std::size_t>(code_point_count(token), 60))));
    }

    Context& ctx_;
    std::string_view input_;
    std::unordered_set<std::string_view> declared_;
    std::vector<Note> notes_;
    std::unordered_set<std::string_view> indexed_names_;
    std::vector<Expr> variables_;
    std::vector<Expr> vectors_;
    std::unordered_set<NodeId> seen_;
    std::unordered_map<std::string_view, Expr> by_name_; // keys view the Context's names
    Scope scope_;
    std::unordered_map<NodeId, VectorUse> vector_use_;
    std::unordered_map<NodeId, std::string_view> bare_use_;
    const std::unordered_map<std::string, UserFunction>& user_;
};

} // namespace

Parsed lower(Context& ctx, std::string_view input, const ast::Expression& tree, const ParseOptions& options) {
    return Lowering(ctx, input, options).run(tree);
}

} // namespace symdiff::detail
