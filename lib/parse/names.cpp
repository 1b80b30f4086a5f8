// Reading names and numbers: the built-in functions and constants (builtins.hpp), and what a
// name in the text is: a declared variable, a constant, a sum index, a vector, a user
// definition or a product of letters (`xy` is x*y when x and y are variables), with a note
// wherever the reading might surprise.
#include <algorithm>
#include <cctype>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "parse/lowering.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/suggest.hpp"

namespace symdiff::detail {

namespace {

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

} // namespace

std::size_t longest_function_name() { return function_filter().longest; }

const FnSpec* find_function(std::string_view name) {
    const FnFilter& f = function_filter();
    if (name.size() < f.shortest || name.size() > f.longest || !f.first[static_cast<unsigned char>(name[0])])
        return nullptr;
    auto it = functions().find(name);
    return it == functions().end() ? nullptr : &it->second;
}

const std::vector<std::string_view>& function_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> v;
        for (const auto& [name, spec] : functions()) v.push_back(name);
        std::sort(v.begin(), v.end());
        return v;
    }();
    return names;
}

Constant find_constant(std::string_view name) {
    if (name == "pi" || name == "\xCF\x80") return Constant::Pi;
    if (name == "e") return Constant::E;
    if (name == "inf") return Constant::Inf;
    if (name == "nan") return Constant::Nan;
    return Constant::None;
}

Expr apply_builtin(Context& ctx_, const FnSpec& spec, std::span<const Expr> args) {
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

} // namespace symdiff::detail

namespace symdiff::detail::lowering {

// The letter of `ˣ`, `⁻ʸ`, …, as a view that outlives the call (resolve may keep it).
std::string_view Lowering::superscript_letter(const ast::Superscript& s) {
    static constexpr std::string_view kLetters = "xyzn";
    std::string v = s.value();
    std::string_view w = v;
    if (!w.empty() && (w[0] == '-' || w[0] == '+')) w.remove_prefix(1);
    if (w.size() != 1) return {};
    std::size_t at = kLetters.find(w[0]);
    return at == std::string_view::npos ? std::string_view{} : kLetters.substr(at, 1);
}

// One part of a juxtaposition: a variable, the index of the enclosing sum, or the constant e.
// A letter that is a defined value means the value, as it does alone (`a = 3`, then `ab`
// is 3·b).
Expr Lowering::letter(std::string_view part, std::string_view token) {
    if (part == "e" && !declared_.count("e")) return ctx_.e();
    if (const UserFunction* u = user(part); u && u->params.empty() && !declared_.count(part))
        return user_value(*u, token);
    return scalar(part, token);
}

Expr Lowering::number(std::string_view text) {
    if (std::optional<Number> n = short_decimal(text)) return ctx_.number(*n);
    std::optional<Number> n = Number::from_decimal(text);
    if (!n) fail(text, "malformed number");
    if (!n->is_finite()) fail(text, "number too large for a double (the largest is about 1.8e308)");
    return ctx_.number(*n);
}

// `17`, `17.5`: digits with at most one point, no exponent and at most 15 digits, so the
// value fits an int64 and 10^15 < 2^53 keeps Number exact. The same Number that
// Number::from_decimal makes (rational() reduces), without its 128-bit arithmetic.
std::optional<Number> Lowering::short_decimal(std::string_view text) {
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

Expr Lowering::superscript(const ast::Superscript& s) {
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
Expr Lowering::name(const ast::Name& n) {
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
Expr Lowering::resolve(std::string_view text, std::string_view token) {
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
Parts Lowering::split(std::string_view text) const {
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
bool Lowering::letters_declared(std::string_view text) const {
    Parts parts = split(text);
    if (parts.empty()) return false;
    for (std::string_view part : parts)
        if (part != "e" && !declared_.count(part)) return false;
    return true;
}

// `sinx`, `lnx`, `expx`: a function's name with its argument run on, which a split
// (s·i·n·x) would never mean. It stays one variable, with a note (note_function_prefix).
std::string_view Lowering::function_prefix(std::string_view text) {
    for (std::size_t n = std::min<std::size_t>(text.size() - 1, longest_function_name()); n >= 2; --n)
        if (find_function(text.substr(0, n))) return text.substr(0, n);
    return {};
}

bool Lowering::starts_with_function(std::string_view text) {
    if (text.size() < 3) return false;
    for (char c : text)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    return !function_prefix(text).empty();
}

void Lowering::note_function_prefix(std::string_view text, std::string_view token) {
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
bool Lowering::is_greek_name(std::string_view text) {
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
void Lowering::note_split(std::string_view text, const Parts& parts, std::string_view token) {
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

bool Lowering::resolves_as_value(std::string_view text) const {
    return declared_.count(text) || find_constant(text) != Constant::None ||
           code_point_count(text) == 1 || letters_declared(text) || user(text) || is_index(text);
}

// A name used as a number.
Expr Lowering::scalar(std::string_view text, std::string_view token) {
    if (is_index(text)) return scope_.index;
    Expr s = variable(text);
    if (!scope_.rows) note_bare(s, token);
    return s;
}

// A name used as a vector, in x[k] (indexed) or len(x). Misuse is reported at the name;
// `where` is the position a later conflict cites: the index of x[k], the x of len(x).
Expr Lowering::vector(std::string_view text, std::string_view where, bool indexed) {
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
void Lowering::note_bare(Expr s, std::string_view token) {
    if (auto it = vector_use_.find(s.id()); it != vector_use_.end()) not_a_number(s, token, it->second);
    bare_use_.try_emplace(s.id(), token);
}

void Lowering::note_vector(Expr s, std::string_view token, bool indexed) {
    if (vector_use_.emplace(s.id(), VectorUse{token, indexed}).second) vectors_.push_back(s);
    if (auto it = bare_use_.find(s.id()); it != bare_use_.end()) not_a_number(s, it->second, vector_use_.at(s.id()));
}

} // namespace symdiff::detail::lowering

namespace symdiff {

std::vector<Expr> natural_variables(Expr e) {
    std::vector<Expr> names = free_symbols(e);
    // First appearance in the text that prints e, so that a built `w*x + b` is a function of
    // w, x, b as its text would be; the walk's order (canonical, not the printed one) is the
    // fallback for a DAG too large to print cheaply.
    if (names.size() > 1 && dag_size(e) <= 100000) {
        std::string text;
        try {
            text = to_string(e);
        } catch (const Error&) {
        }
        std::unordered_map<std::string_view, std::size_t> at;
        auto name_char = [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
        };
        for (std::size_t i = 0; i < text.size();) {
            if (!name_char(text[i])) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < text.size() && name_char(text[j])) ++j;
            // A run from a digit is a number (1e-5's "1e"), not a name.
            if (!std::isdigit(static_cast<unsigned char>(text[i]))) at.emplace(std::string_view(text).substr(i, j - i), i);
            i = j;
        }
        auto first = [&](Expr v) {
            const auto it = at.find(v.name());
            return it == at.end() ? text.size() : it->second;
        };
        std::stable_sort(names.begin(), names.end(), [&](Expr a, Expr b) { return first(a) < first(b); });
    }
    detail::natural_order(names);
    return names;
}

} // namespace symdiff
