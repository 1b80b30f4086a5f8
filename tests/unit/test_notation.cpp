// The tutorials' notations (issue 15): a table of what each form must mean, compared with the
// product written out with `*`, with the notes the parser gives for the readings that could
// have gone the other way; and a corpus of generated expressions printed the way people write
// them (implicit products, juxtaposed letters, superscripts, `e^(…)`, `σ(…)`, `sin²(x)`),
// parsed back and compared as DAGs with the expression they came from.
//
// The notations of the seed tutorials themselves (seed_cases.json, "seed_notation") are
// checked by test_seed_corpus_parse.cpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

namespace {

struct Row {
    const char* input;
    const char* means;              ///< written out with `*` (parsed with every letter declared)
    std::vector<std::string> notes; ///< the names the parser must note, in order
    std::vector<std::string> declared = {};
};

// The explicit form is parsed with the longer names of the table declared, so that it cannot
// itself be read through the juxtaposition rule (it writes every product with `*`).
Expr explicit_form(Context& ctx, const Row& r) {
    ParseOptions o;
    o.variables = r.declared;
    o.variables.insert(o.variables.end(), {"wx", "sinx"});
    Parsed p = parse(ctx, r.means, o);
    REQUIRE(p.notes.empty());
    return p.expr;
}

} // namespace

TEST_CASE("notation: the tutorials' forms read as the product written out", "[parse][notation]") {
    const std::vector<Row> rows = {
        // A power after name(...) binds to the bracket (issue 15, item 1).
        {"x(x+1)^2", "x*(x+1)^2", {}},
        {"2x(x+1)^2", "2*x*(x+1)^2", {}},
        {"y(x+1)^2", "y*(x+1)^2", {}},
        {"6x(3x+1)^2", "6*x*(3*x+1)^2", {}},
        {"sin(x)(x+1)^2", "sin(x)*(x+1)^2", {}},
        // Juxtaposed letters are products of one-letter variables (item 2).
        {"ye^(xy)", "y*exp(x*y)", {"ye", "xy"}},
        {"wx + b", "w*x + b", {"wx"}},
        {"3xy", "3*x*y", {"xy"}},
        {"x²yz", "x^2*y*z", {"yz"}},
        {"x**2·y + 3xy", "x^2*y + 3*x*y", {"xy"}},
        {"2xy + y²", "2*x*y + y^2", {"xy"}},
        {"xe^x", "x*exp(x)", {"xe"}},
        {"mean((wx + b - y)^2)", "mean((w*x + b - y)^2)", {"wx"}},
        {"sin(xy)", "sin(x*y)", {"xy"}},
        {"3xy²", "3*x*y^2", {"xy"}},
        // A declared name stays whole, and says nothing. Declared letters still get the note:
        // with columns x and y, `yy` is as likely a misspelt column as y².
        {"wx + b", "wx + b", {}, {"wx"}},
        {"3xy", "3*x*y", {"xy"}, {"x", "y"}},
        {"yy + x", "y^2 + x", {"yy"}, {"x", "y"}},
        // Forms with nothing to note.
        {"σ(z)(1 - σ(z))", "sigmoid(z)*(1 - sigmoid(z))", {}},
        {"sin²(x)", "sin(x)^2", {}},
        {"e^{x^2}", "exp(x^2)", {}},
        {"e^(-x²)", "exp(-(x^2))", {}},
        {"eˣ", "exp(x)", {}},
        {"2πr", "2*pi*r", {}},
        {"x⁻¹", "x^-1", {}},
        {"3x² - 2x + 1", "3*x^2 - 2*x + 1", {}},
        {"(1-x)^2 + 100(y-x^2)^2", "(1-x)^2 + 100*(y-x^2)^2", {}},
        {"1/(1 + e^(-x))", "1/(1 + exp(-x))", {}},
        {"√(x² + y²)", "sqrt(x^2 + y^2)", {}},
        {"2x y", "2*x*y", {}},
        {"x y z", "x*y*z", {}},
        {"theta^2 + alpha theta", "theta^2 + alpha*theta", {}},
        {"pow(x, 2) + pow(y, 0.5)", "x^2 + y^0.5", {}},
        {"x1 + w_2", "x1 + w_2", {}},
        // Kept whole, with a note that says how to write the function.
        {"sinx", "sinx", {"sinx"}},
    };
    for (const Row& r : rows) {
        CAPTURE(r.input, r.means);
        Context ctx;
        ParseOptions o;
        o.variables = r.declared;
        Parsed p = parse(ctx, r.input, o);
        CHECK(p.expr == explicit_form(ctx, r));
        std::vector<std::string> noted;
        for (const Note& n : p.notes) noted.push_back(n.name);
        CHECK(noted == r.notes);
    }
}

TEST_CASE("notation: the notes say which reading was taken and how to get the other", "[parse][notation]") {
    Context ctx;
    Parsed p = parse(ctx, "ye^(xy)");
    REQUIRE(p.notes.size() == 2);
    CHECK(p.notes[0].diagnostic.message == "'ye' is read as the product y*e");
    CHECK(p.notes[0].diagnostic.column == 1);
    CHECK(p.notes[1].diagnostic.message == "'xy' is read as the product x*y");
    CHECK(p.notes[1].diagnostic.column == 5);
    CHECK(p.notes[1].name == "xy");
    // The other reading is the declared name.
    ParseOptions o;
    o.variables = {"xy", "ye"};
    Parsed q = parse(ctx, "ye^(xy)", o);
    CHECK(q.notes.empty());
    CHECK(q.expr == ctx.pow(ctx.symbol("ye"), ctx.symbol("xy")));
    Parsed s = parse(ctx, "sinx + 1");
    REQUIRE(s.notes.size() == 1);
    CHECK(s.notes[0].diagnostic.message == "'sinx' is read as one variable; for the function write sin(x)");
    CHECK_FALSE(s.notes[0].is_product());
}

namespace {

// Prints e the way a person writes it: a product as its coefficient, then brackets and
// calls, then a run of one-letter variables written together (`3(x+1)sin(y)xy²`, or
// `x(x+1)²` when one letter leads), integer powers as superscripts, exp(a) as e^(a) (and
// eˣ), sigmoid as σ(…), sin(a)² as sin²(a). Anything else is left to the text printer, in
// brackets. `level`: 0 a term of a sum, 1 a factor, 2 a power's base or exponent.
class HandWriter {
public:
    explicit HandWriter(std::uint64_t seed) : rng_(seed) {}

    std::string term(Expr e) {
        if (e.is(Op::Add)) {
            std::string s;
            for (std::size_t i = 0; i < e.size(); ++i) {
                std::string t = product(e[i]);
                if (i > 0) s += t[0] == '-' ? " - " + t.substr(1) : " + " + t;
                else s += t;
            }
            return s;
        }
        return product(e);
    }

private:
    static bool is_letter(Expr e) { return e.is(Op::Sym) && e.name().size() == 1; }

    static std::string superscript(std::int64_t k) {
        static const char* const digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
        std::string s = k < 0 ? "⁻" : "";
        std::string d = std::to_string(k < 0 ? -k : k);
        for (char c : d) s += digits[c - '0'];
        return s;
    }

    static bool small_integer(Expr e) {
        return e.is_number() && e.number().is_integer() && e.number().num() != 0 && e.number().num() != 1 &&
               e.number().num() > -100 && e.number().num() < 100;
    }

    // A power whose base is a one-letter variable: x², x^(…).
    std::string letter_power(Expr e) {
        if (small_integer(e[1])) return e[0].name() + superscript(e[1].number().num());
        return e[0].name() + "^" + bracket(e[1]);
    }

    std::string product(Expr e) {
        std::vector<Expr> factors;
        if (e.is(Op::Mul)) {
            for (std::size_t i = 0; i < e.size(); ++i) factors.push_back(e[i]);
        } else {
            factors.push_back(e);
        }
        std::string sign, coefficient;
        std::vector<std::string> groups, letters;
        for (std::size_t i = 0; i < factors.size(); ++i) {
            Expr f = factors[i];
            if (f.is_number() && i == 0) {
                Number n = f.number();
                if (!n.is_integer() || !std::isfinite(n.value())) {
                    coefficient = "(" + to_string(f, Format::Text) + ")";
                } else if (n.num() == -1) {
                    sign = "-";
                } else if (n.num() < 0) {
                    sign = "-";
                    coefficient = std::to_string(-n.num());
                } else {
                    coefficient = std::to_string(n.num());
                }
            } else if (is_letter(f)) {
                letters.push_back(f.name());
            } else if (f.is(Op::Pow) && is_letter(f[0])) {
                letters.push_back(letter_power(f));
            } else if (f.is(Op::Exp) && factors.size() > 1 && !letters.empty() && coin()) {
                // xe^(…): the exponent binds to e, the last letter.
                letters.push_back("e^" + bracket(f[0]));
            } else {
                groups.push_back(atom(f));
            }
        }
        std::string body = coefficient;
        // One letter and then brackets: `x(x+1)²`, the form of issue 15's first item.
        if (letters.size() == 1 && !groups.empty() && letters[0].size() == 1 && groups[0][0] == '(' && coin()) {
            body += letters[0];
            for (const auto& g : groups) body += g;
            return sign + body;
        }
        for (const auto& g : groups) body += g;
        for (const auto& l : letters) body += l;
        if (body.empty()) body = "1";
        return sign + body;
    }

    std::string bracket(Expr e) { return "(" + term(e) + ")"; }

    // An operand that needs no brackets of its own.
    std::string atom(Expr e) {
        if (e.is(Op::Sym)) return e.name();
        if (e.is_number()) {
            if (e.number().is_integer() && e.number().num() >= 0) return to_string(e, Format::Text);
            return "(" + to_string(e, Format::Text) + ")";
        }
        if (e.is(Op::Pi)) return "π";
        if (e.is(Op::Pow)) {
            if (e[0].is(Op::Sym) || e[0].is(Op::Pi)) {
                if (small_integer(e[1])) return "(" + atom(e[0]) + superscript(e[1].number().num()) + ")";
                return "(" + atom(e[0]) + "^" + bracket(e[1]) + ")";
            }
            // sin²(x) for sin(x)²: a superscript on a function's name powers its value.
            if (op_kind(e[0].op()) == OpKind::Function && e[0].size() == 1 && !e[0].is(Op::Exp) &&
                !e[0].is(Op::Sigmoid) && small_integer(e[1]) && e[1].number().num() > 0 && coin())
                return std::string(op_name(e[0].op())) + superscript(e[1].number().num()) + bracket(e[0][0]);
            std::string base = bracket(e[0]);
            if (small_integer(e[1])) return base + superscript(e[1].number().num());
            return base + "^" + bracket(e[1]);
        }
        if (e.is(Op::Exp)) {
            if (e[0].is(Op::Sym) && (e[0].name() == "x" || e[0].name() == "y" || e[0].name() == "z") && coin())
                return std::string("e") + (e[0].name() == "x" ? "ˣ" : e[0].name() == "y" ? "ʸ" : "ᶻ");
            return "e^" + bracket(e[0]);
        }
        if (e.is(Op::Sigmoid)) return "σ" + bracket(e[0]);
        if (op_kind(e.op()) == OpKind::Function && e.size() == 1) return std::string(op_name(e.op())) + bracket(e[0]);
        if (e.is(Op::Add) || e.is(Op::Mul)) return bracket(e);
        return "(" + to_string(e, Format::Text) + ")";
    }

    bool coin() { return (rng_() & 1) != 0; }

    std::mt19937_64 rng_;
};

std::uint64_t base_seed() {
    if (const char* s = std::getenv("SYMDIFF_SEED")) return std::strtoull(s, nullptr, 10);
    return 0x70746e;
}

} // namespace

TEST_CASE("notation: 2,000 expressions written by hand read back as the same DAG", "[parse][notation]") {
    testing::RandomExprOptions opt;
    opt.max_depth = 4;
    opt.variables = {"x", "y", "z", "w", "b"};
    opt.constants = testing::kIntegers | testing::kNegative | testing::kRationals;
    // Repeated ops are drawn more often: products and powers are what the corpus is about.
    opt.ops = {Op::Add, Op::Add, Op::Mul, Op::Mul, Op::Mul, Op::Mul, Op::Pow, Op::Pow, Op::Pow,
               Op::Exp, Op::Sin, Op::Cos, Op::Tan, Op::Log, Op::Sigmoid, Op::Tanh};
    const std::uint64_t seed = base_seed();
    Context ctx;
    testing::RandomExpr gen(ctx, seed, opt);
    HandWriter hand(seed);
    int juxtaposed = 0, superscripts = 0, implicit = 0;
    for (int i = 0; i < 2500; ++i) {
        Expr e = gen.next();
        std::string written = hand.term(e);
        std::string text = to_string(e, Format::Text);
        INFO("seed " << seed << ", expression " << i << "\n  explicit: " << text << "\n  written:  " << written);
        Parsed p;
        try {
            p = parse(ctx, written);
        } catch (const Error& err) {
            FAIL("the written form does not parse: " << err.diagnostic().render());
        }
        // The written form means the expression, and so does the explicit text.
        REQUIRE(p.expr == e);
        REQUIRE(parse_expr(ctx, text) == e);
        juxtaposed += !p.notes.empty();
        bool sup = false;
        for (const char* c : {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "ˣ", "ʸ", "ᶻ"})
            sup = sup || written.find(c) != std::string::npos;
        superscripts += sup;
        implicit += written.find('*') == std::string::npos && written.find("·") == std::string::npos;
    }
    // The corpus exercises what it is for.
    WARN("juxtaposed letters in " << juxtaposed << ", superscripts in " << superscripts
                                  << ", no written operator of product in " << implicit);
    CHECK(juxtaposed >= 250);
    CHECK(superscripts >= 250);
    CHECK(implicit >= 2000);
}
