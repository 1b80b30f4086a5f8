// The printers. Infix formats walk the display tree of layout.hpp; JSON and s-expressions
// (stored.cpp) walk the DAG as stored. Every walk keeps its own stack of pending pieces on the heap, so the depth
// of an expression costs memory, never native stack.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "print/layout.hpp"
#include "symdiff/dag.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/print.hpp"

namespace symdiff {
namespace {

using detail::Doc;
using detail::DocKind;
using detail::Layout;
using detail::check_printable;
using detail::check_size;

constexpr std::uint32_t kNoDoc = ~std::uint32_t{0};

constexpr std::uint32_t kMaxPrintHeight = 100000;
// A DAG prints as a tree, which can be exponentially larger than the DAG (a derivative of
// high order). A printed tree has at least one character per node, so a tree of more nodes
// than this is refused up front, in time linear in the DAG; the byte limit catches the C
// format, whose formulas repeat their argument.
constexpr std::uint64_t kMaxPrintNodes = std::uint64_t{1} << 25;
constexpr std::size_t kMaxPrintBytes = std::size_t{1} << 28;

// Binding strength of what a Doc prints as; a child printed where at least `min` is needed
// and binding less gets parentheses.
enum Prec : int { kSum = 1, kNeg = 2, kProduct = 3, kPower = 4, kPowerBase = 5, kAtom = 6 };

// The parser reads `nan` as the positive quiet nan; the negative one, which is what 0*inf and
// inf - inf give on every IEEE machine we target, reads back from the expression that makes it.
bool is_negative_nan(const Number& n) { return std::isnan(n.value()) && std::signbit(n.value()); }

std::string plain_number(const Number& n) {
    if (is_negative_nan(n)) return "0*inf";
    return n.to_string();
}

bool prints_as_fraction(const Number& n) { return n.is_exact() && !n.prints_as_decimal(); }

std::string superscript(std::int64_t k) {
    static const char* const digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    std::string s = k < 0 ? "⁻" : "";
    std::string d = std::to_string(k < 0 ? -k : k);
    for (char c : d) s += digits[c - '0'];
    return s;
}

std::string latex_number(const Number& n) {
    double v = n.value();
    if (std::isnan(v)) return "\\mathrm{NaN}";
    if (std::isinf(v)) return "\\infty";
    if (prints_as_fraction(n)) return "\\frac{" + std::to_string(n.num()) + "}{" + std::to_string(n.den()) + "}";
    std::string s = n.to_string();
    std::size_t e = s.find('e');
    if (e == std::string::npos) return s;
    std::string mant = s.substr(0, e), ex = s.substr(e + 1);
    if (!ex.empty() && ex[0] == '+') ex.erase(0, 1);
    bool neg = !ex.empty() && ex[0] == '-';
    if (neg) ex.erase(0, 1);
    while (ex.size() > 1 && ex[0] == '0') ex.erase(0, 1);
    std::string pow10 = "10^{" + std::string(neg ? "-" : "") + ex + "}";
    return mant == "1" ? pow10 : mant + " \\cdot " + pow10;
}

std::string c_number(const Number& n) {
    double v = n.value();
    if (std::isnan(v)) return "NAN";
    if (std::isinf(v)) return "INFINITY";
    std::string s = shortest_double(v);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
}

// Greek letter names a LaTeX reader expects as macros.
bool is_greek_name(std::string_view s) {
    static const char* const names[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
                                        "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau",
                                        "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta",
                                        "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"};
    for (const char* n : names)
        if (s == n) return true;
    return false;
}

// The Greek letters the parser accepts in names, as LaTeX macros.
std::string_view greek_macro(std::string_view letter) {
    static const std::pair<const char*, const char*> table[] = {
        {"α", "alpha"}, {"β", "beta"}, {"γ", "gamma"}, {"δ", "delta"}, {"ε", "epsilon"}, {"ζ", "zeta"},
        {"η", "eta"}, {"θ", "theta"}, {"ι", "iota"}, {"κ", "kappa"}, {"λ", "lambda"}, {"μ", "mu"},
        {"ν", "nu"}, {"ξ", "xi"}, {"ρ", "rho"}, {"ς", "varsigma"}, {"σ", "sigma"}, {"τ", "tau"},
        {"υ", "upsilon"}, {"φ", "phi"}, {"χ", "chi"}, {"ψ", "psi"}, {"ω", "omega"}, {"Γ", "Gamma"},
        {"Δ", "Delta"}, {"Θ", "Theta"}, {"Λ", "Lambda"}, {"Ξ", "Xi"}, {"Π", "Pi"}, {"Σ", "Sigma"},
        {"Φ", "Phi"}, {"Ψ", "Psi"}, {"Ω", "Omega"}, {"ϑ", "vartheta"}, {"ϕ", "varphi"}, {"ϵ", "epsilon"}};
    for (const auto& [utf8, name] : table)
        if (letter == utf8) return name;
    return {};
}

std::string latex_base_name(std::string_view s) {
    if (is_greek_name(s)) return "\\" + std::string(s);
    if (std::string_view g = greek_macro(s); !g.empty()) return "\\" + std::string(g);
    if (s.size() <= 1) return std::string(s);
    return "\\mathrm{" + std::string(s) + "}";
}

// `x1` -> x_{1}, `w_0` -> w_{0}, `theta` -> \theta, `loss` -> \mathrm{loss}.
std::string latex_name(std::string_view s) {
    std::size_t us = s.find('_');
    if (us != std::string_view::npos && us > 0 && us + 1 < s.size())
        return latex_base_name(s.substr(0, us)) + "_{" + std::string(s.substr(us + 1)) + "}";
    std::size_t d = s.size();
    while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9') --d;
    if (d > 0 && d < s.size()) return latex_base_name(s.substr(0, d)) + "_{" + std::string(s.substr(d)) + "}";
    return latex_base_name(s);
}

std::string_view latex_function(Op op) {
    switch (op) {
    case Op::Sin: return "\\sin";
    case Op::Cos: return "\\cos";
    case Op::Tan: return "\\tan";
    case Op::Asin: return "\\arcsin";
    case Op::Acos: return "\\arccos";
    case Op::Atan: return "\\arctan";
    case Op::Sinh: return "\\sinh";
    case Op::Cosh: return "\\cosh";
    case Op::Tanh: return "\\tanh";
    case Op::Log: return "\\ln";
    case Op::Exp: return "\\exp";
    case Op::Max: return "\\max";
    case Op::Min: return "\\min";
    default: return {};
    }
}

std::string_view c_function(Op op) {
    switch (op) {
    case Op::Log: return "log";
    case Op::Abs: return "fabs";
    default: return op_name(op);
    }
}

// One pending piece of output: literal text, or a Doc to print needing at least `min`.
// `tight` drops the blanks around + and - (LaTeX subscripts and limits: x_{i+1}).
struct Piece {
    std::string text;
    std::uint32_t doc = kNoDoc;
    int min = 0;
    bool tight = false;
};

class InfixPrinter {
public:
    InfixPrinter(const Layout& layout, Format format) : l_(layout), f_(format) {}

    std::string run() {
        stack_.push_back({{}, l_.root, 0, false});
        while (!stack_.empty()) {
            Piece p = std::move(stack_.back());
            stack_.pop_back();
            if (p.doc == kNoDoc) {
                out_ += p.text;
                check_size(out_);
            } else {
                expand(p.doc, p.min, p.tight);
            }
        }
        return std::move(out_);
    }

private:
    // Pieces of one Doc in reading order; pushed reversed so that they pop in order.
    struct Seq {
        std::vector<Piece> v;
        bool tight = false; ///< inherited by the docs pushed with doc()
        void text(std::string s) { v.push_back({std::move(s), kNoDoc, 0, false}); }
        void doc(std::uint32_t d, int min) { v.push_back({{}, d, min, tight}); }
        void tight_doc(std::uint32_t d) { v.push_back({{}, d, 0, true}); }
    };

    bool latex() const { return f_ == Format::Latex; }
    bool unicode() const { return f_ == Format::Unicode; }
    bool c() const { return f_ == Format::C; }

    int prec(const Doc& d) const {
        switch (d.kind) {
        case DocKind::Sum: return kSum;
        case DocKind::Neg: return kNeg;
        case DocKind::Product:
        case DocKind::Quotient: return kProduct;
        case DocKind::Power: return c() ? kAtom : kPower;
        case DocKind::Sqrt: return (unicode() || latex()) ? kPower : kAtom;
        case DocKind::Num:
            if (c()) return kAtom;
            if (latex()) return latex_number(d.num).find_first_of("\\ ^") != std::string::npos && std::isfinite(d.num.value()) ? kProduct : kAtom;
            return plain_number(d.num).find_first_of("/*") != std::string::npos ? kProduct : kAtom;
        case DocKind::Call: return latex() && d.op == Op::Exp ? kPower : kAtom;
        case DocKind::Sym:
        case DocKind::Pi:
        case DocKind::E:
        case DocKind::List:
        case DocKind::Index: return kAtom;
        case DocKind::Loop:
            // LaTeX's \sum_{…}^{…} (…) and [lo ≤ k ≤ hi] (…) are products of their parts: a
            // power of one needs parentheses. Everything else is bracketed already.
            return latex() && d.op != Op::RowMean ? kProduct : kAtom;
        }
        return kAtom;
    }

    void expand(std::uint32_t id, int min, bool tight) {
        const Doc& d = l_[id];
        Seq s;
        s.tight = tight;
        bool paren = prec(d) < min;
        if (paren) s.text(latex() ? "\\left(" : "(");
        body(d, s);
        if (paren) s.text(latex() ? "\\right)" : ")");
        for (auto it = s.v.rbegin(); it != s.v.rend(); ++it) stack_.push_back(std::move(*it));
    }

    const char* minus_sign() const { return unicode() ? "\u2212" : "-"; }

    bool leads_with_digit(std::uint32_t id) const {
        const Doc* d = &l_[id];
        while (d->kind == DocKind::Power && prec(l_[l_.kid(*d, 0).doc]) >= kPowerBase) d = &l_[l_.kid(*d, 0).doc];
        return d->kind == DocKind::Num && std::isfinite(d->num.value());
    }

    void body(const Doc& d, Seq& s) {
        switch (d.kind) {
        case DocKind::Sym:
            s.text(latex() ? latex_name(*d.name) : *d.name);
            return;
        case DocKind::Num:
            s.text(c() ? c_number(d.num) : latex() ? latex_number(d.num) : plain_number(d.num));
            return;
        case DocKind::Pi:
            s.text(c() ? "3.141592653589793" : latex() ? "\\pi" : unicode() ? "\u03C0" : "pi");
            return;
        case DocKind::E:
            s.text(c() ? "exp(1.0)" : "e");
            return;
        case DocKind::Neg:
            s.text(minus_sign());
            s.doc(l_.kid(d, 0).doc, kProduct);
            return;
        case DocKind::Sum:
            for (std::uint32_t i = 0; i < d.n; ++i) {
                const auto& k = l_.kid(d, i);
                if (i == 0) {
                    if (k.minus) s.text(minus_sign());
                } else if (s.tight) {
                    s.text(k.minus ? minus_sign() : "+");
                } else {
                    s.text(k.minus ? (unicode() ? " \u2212 " : " - ") : " + ");
                }
                s.doc(k.doc, k.minus ? kProduct : kNeg);
            }
            return;
        case DocKind::Product:
            for (std::uint32_t i = 0; i < d.n; ++i) {
                std::uint32_t k = l_.kid(d, i).doc;
                if (i > 0) {
                    if (latex()) s.text(leads_with_digit(k) ? " \\cdot " : " ");
                    else s.text(unicode() ? "\u00B7" : "*");
                }
                // The coefficient leads, so it needs no parentheses of its own: 10^{300} x.
                s.doc(k, i == 0 && l_[k].kind == DocKind::Num ? kProduct : kPower);
            }
            return;
        case DocKind::Quotient:
            if (latex()) {
                s.text("\\frac{");
                s.doc(l_.kid(d, 0).doc, 0);
                s.text("}{");
                s.doc(l_.kid(d, 1).doc, 0);
                s.text("}");
            } else {
                s.doc(l_.kid(d, 0).doc, kProduct);
                s.text("/");
                s.doc(l_.kid(d, 1).doc, kPower);
            }
            return;
        case DocKind::Power:
            power(d, s);
            return;
        case DocKind::Sqrt:
            if (latex()) {
                s.text("\\sqrt{");
                s.doc(l_.kid(d, 0).doc, 0);
                s.text("}");
            } else if (unicode()) {
                s.text("\u221A");
                s.doc(l_.kid(d, 0).doc, kAtom);
            } else {
                s.text("sqrt(");
                s.doc(l_.kid(d, 0).doc, 0);
                s.text(")");
            }
            return;
        case DocKind::Call:
            call(d, s);
            return;
        case DocKind::List:
            s.text(latex() ? "\\left[" : c() ? "{" : "[");
            for (std::uint32_t i = 0; i < d.n; ++i) {
                if (i > 0) s.text(", ");
                s.doc(l_.kid(d, i).doc, 0);
            }
            s.text(latex() ? "\\right]" : c() ? "}" : "]");
            return;
        case DocKind::Index:
            index(d, s);
            return;
        case DocKind::Loop:
            loop(d, s);
            return;
        }
    }

    std::string name_of(std::uint32_t sym) const {
        const std::string& n = *l_[sym].name;
        return latex() ? latex_name(n) : n;
    }

    // x[k]; in LaTeX x_{k}, with a name that has a subscript of its own braced: {x_{1}}_{k}.
    void index(const Doc& d, Seq& s) {
        std::string name = name_of(l_.kid(d, 0).doc);
        std::uint32_t k = l_.kid(d, 1).doc;
        if (latex()) {
            s.text((name.find('_') == std::string::npos ? name : "{" + name + "}") + "_{");
            s.tight_doc(k);
            s.text("}");
            return;
        }
        s.text(name + "[");
        s.doc(k, 0);
        s.text("]");
    }

    // Sum, RowSum, RowMean, Guard and Vec. Text and Unicode print sum and mean as the parser
    // reads them; Guard and Vec, which only derivatives make, print for reading.
    void loop(const Doc& d, Seq& s) {
        if (d.op == Op::RowSum || d.op == Op::RowMean) {
            std::uint32_t body = l_.kid(d, 0).doc;
            if (latex()) s.text(d.op == Op::RowSum ? "\\sum \\left(" : "\\operatorname{mean}\\left(");
            else s.text(d.op == Op::RowSum ? "sum(" : "mean(");
            s.doc(body, 0);
            s.text(latex() ? "\\right)" : ")");
            return;
        }
        std::string k = name_of(l_.kid(d, 0).doc);
        std::uint32_t lo = l_.kid(d, 1).doc, hi = l_.kid(d, 2).doc, body = l_.kid(d, 3).doc;
        if (latex()) {
            switch (d.op) {
            case Op::Sum:
                s.text("\\sum_{" + k + "=");
                s.tight_doc(lo);
                s.text("}^{");
                s.tight_doc(hi);
                s.text("} \\left(");
                s.doc(body, 0);
                s.text("\\right)");
                return;
            case Op::Guard:
                s.text("\\left[");
                s.doc(lo, 0);
                s.text(" \\le " + k + " \\le ");
                s.doc(hi, 0);
                s.text("\\right] \\left(");
                s.doc(body, 0);
                s.text("\\right)");
                return;
            default:
                s.text("\\left[");
                s.doc(body, 0);
                s.text("\\right]_{" + k + "=");
                s.tight_doc(lo);
                s.text("}^{");
                s.tight_doc(hi);
                s.text("}");
                return;
            }
        }
        switch (d.op) {
        case Op::Sum:
            s.text("sum(" + k + " = ");
            s.doc(lo, 0);
            s.text("..");
            s.doc(hi, 0);
            s.text(", ");
            s.doc(body, 0);
            s.text(")");
            return;
        case Op::Guard: {
            const char* le = unicode() ? " \u2264 " : " <= ";
            s.text("(");
            s.doc(body, 0);
            s.text(" if ");
            s.doc(lo, 0);
            s.text(le + k + le);
            s.doc(hi, 0);
            s.text(")");
            return;
        }
        default:
            s.text("[");
            s.doc(body, 0);
            s.text(" for " + k + " = ");
            s.doc(lo, 0);
            s.text("..");
            s.doc(hi, 0);
            s.text("]");
            return;
        }
    }

    void power(const Doc& d, Seq& s) {
        std::uint32_t base = l_.kid(d, 0).doc, ex = l_.kid(d, 1).doc;
        if (c()) {
            s.text("pow(");
            s.doc(base, 0);
            s.text(", ");
            s.doc(ex, 0);
            s.text(")");
            return;
        }
        s.doc(base, kPowerBase);
        const Doc& e = l_[ex];
        if (latex()) {
            s.text("^{");
            s.doc(ex, 0);
            s.text("}");
        } else if (unicode() && e.kind == DocKind::Num && e.num.is_integer()) {
            s.text(superscript(e.num.num()));
        } else {
            s.text("^");
            s.doc(ex, kPower);
        }
    }

    void args(const Doc& d, Seq& s, const char* open, const char* close) {
        s.text(open);
        for (std::uint32_t i = 0; i < d.n; ++i) {
            if (i > 0) s.text(", ");
            s.doc(l_.kid(d, i).doc, 0);
        }
        s.text(close);
    }

    void call(const Doc& d, Seq& s) {
        if (latex()) {
            std::uint32_t a = l_.kid(d, 0).doc;
            if (d.op == Op::Exp) {
                s.text("e^{");
                s.doc(a, 0);
                s.text("}");
            } else if (d.op == Op::Abs) {
                args(d, s, "\\left|", "\\right|");
            } else if (d.op == Op::Cbrt) {
                args(d, s, "\\sqrt[3]{", "}");
            } else {
                std::string_view fn = latex_function(d.op);
                std::string name = fn.empty() ? "\\operatorname{" + std::string(op_name(d.op)) + "}" : std::string(fn);
                s.text(name);
                args(d, s, "\\left(", "\\right)");
            }
            return;
        }
        if (c()) {
            c_call(d, s);
            return;
        }
        s.text(std::string(op_name(d.op)));
        args(d, s, "(", ")");
    }

    // C99 has no sigmoid, relu, ...: they become formulas over the argument, which is printed
    // again where the formula needs it again.
    void c_call(const Doc& d, Seq& s) {
        std::uint32_t a = l_.kid(d, 0).doc;
        std::uint32_t b = d.n > 1 ? l_.kid(d, 1).doc : a;
        switch (d.op) {
        case Op::Sigmoid:
            s.text("(1.0/(1.0 + exp(-");
            s.doc(a, kProduct);
            s.text(")))");
            return;
        case Op::Relu:
            s.text("fmax(");
            s.doc(a, 0);
            s.text(", 0.0)");
            return;
        case Op::Heaviside:
            s.text("(");
            s.doc(a, 0);
            s.text(" > 0 ? 1.0 : 0.0)");
            return;
        case Op::Sign:
            s.text("(");
            s.doc(a, 0);
            s.text(" > 0 ? 1.0 : ");
            s.doc(a, 0);
            s.text(" < 0 ? -1.0 : ");
            s.doc(a, 0);
            s.text(")");
            return;
        case Op::Softplus:
            s.text("(fmax(");
            s.doc(a, 0);
            s.text(", 0.0) + log1p(exp(-fabs(");
            s.doc(a, 0);
            s.text("))))");
            return;
        case Op::Max:
        case Op::Min:
            s.text("(isnan(");
            s.doc(a, 0);
            s.text(") || ");
            s.doc(a, 0);
            s.text(d.op == Op::Max ? " > " : " < ");
            s.doc(b, 0);
            s.text(" ? ");
            s.doc(a, 0);
            s.text(" : ");
            s.doc(b, 0);
            s.text(")");
            return;
        default:
            s.text(std::string(c_function(d.op)));
            args(d, s, "(", ")");
            return;
        }
    }

    const Layout& l_;
    Format f_;
    std::string out_;
    std::vector<Piece> stack_;
};

// C has no loops in an expression: a vector or a reduction anywhere is refused up front.
void check_c_printable(Expr e) {
    if (any_node(e, [](Expr n) { return is_reduction(n.op()) || n.is(Op::At) || n.is(Op::Len) || n.is(Op::Guard); }))
        throw Error("C output of sums and vectors is not supported; use `symdiff compile --emit c`");
}

} // namespace

namespace detail {

void check_size(const std::string& out) {
    if (out.size() > kMaxPrintBytes) throw Error("expression too large to print");
}

void check_printable(Expr e) {
    if (e.height() > kMaxPrintHeight) throw Error("expression too deep to print");
    // The size of e printed as a tree (shared nodes counted once per use), capped.
    const std::uint64_t tree = fold_dag<std::uint64_t>(e, [](Expr, std::span<const std::uint64_t> kids) {
        std::uint64_t n = 1;
        for (std::uint64_t k : kids) n += k;
        return std::min(n, kMaxPrintNodes + 1);
    });
    if (tree > kMaxPrintNodes) throw Error("expression too large to print");
}

} // namespace detail

std::optional<Format> format_from_name(std::string_view name) {
    if (name == "text") return Format::Text;
    if (name == "unicode") return Format::Unicode;
    if (name == "latex") return Format::Latex;
    if (name == "c") return Format::C;
    if (name == "json") return Format::Json;
    return std::nullopt;
}

std::string_view format_name(Format f) {
    switch (f) {
    case Format::Text: return "text";
    case Format::Unicode: return "unicode";
    case Format::Latex: return "latex";
    case Format::C: return "c";
    case Format::Json: return "json";
    }
    return "text";
}

std::string to_string(Expr e, Format format) {
    check_printable(e);
    if (format == Format::Json) return detail::to_json(e);
    if (format == Format::C) check_c_printable(e);
    Layout layout = detail::make_layout(e, format != Format::C);
    return InfixPrinter(layout, format).run();
}
} // namespace symdiff
