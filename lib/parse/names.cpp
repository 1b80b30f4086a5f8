// Reading names and numbers: a name is a declared variable, a constant, a sum index, a vector,
// a user definition or a product of letters (`xy` is x*y when x and y are variables), with a
// note wherever the reading might surprise.
#include <algorithm>
#include <limits>

#include "parse/lowering.hpp"
#include "symdiff/suggest.hpp"

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
