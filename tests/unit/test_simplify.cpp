// Simplification: every rule of the table once as an example (input -> output) and once over
// random points (value preserved), the driver's fixpoint and cost, the textbook forms of
// derivatives, and simplify() over random expressions never changing a defined value.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>

#include "random_expr.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/simplify.hpp"

using namespace symdiff;

namespace {

struct Fixture {
    Context c;
    Expr p(const char* text) { return parse_expr(c, text); }
    std::string s(Expr e) { return to_string(e); }
};

// Where both are defined, a and b have the same value at 200 random points in [-3, 3]^3.
void require_same_values(Expr a, Expr b, std::uint64_t seed = 1) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-3, 3);
    int compared = 0;
    for (int i = 0; i < 200; ++i) {
        Bindings at{{"x", u(rng)}, {"y", u(rng)}, {"z", u(rng)}, {"a", u(rng)}, {"b", u(rng)}};
        double va = evaluate(a, at), vb = evaluate(b, at);
        if (!std::isfinite(va)) continue;
        INFO(to_string(a) << " = " << va << " but " << to_string(b) << " = " << vb);
        REQUIRE(std::fabs(va - vb) <= 1e-9 * std::max(1.0, std::fabs(va)));
        ++compared;
    }
    REQUIRE(compared > 0);
}

} // namespace

TEST_CASE("simplify: every rule by example, each preserving values", "[simplify]") {
    Fixture f;
    struct Example {
        const char* rule;
        const char* in;
        const char* out;
    };
    const Example examples[] = {
        {"pythagorean", "sin(x*y)^2 + cos(x*y)^2 + z", "z + 1"},
        {"pythagorean-scaled", "3*sin(x)^2 + 3*cos(x)^2 + y", "y + 3"},
        {"one-minus-sin2", "1 - sin(x)^2", "cos(x)^2"},
        {"one-minus-cos2", "1 - cos(2*x)^2", "sin(2*x)^2"},
        {"cosh2-minus-sinh2", "cosh(x)^2 - sinh(x)^2", "1"},
        {"common-factor", "sigmoid(x)*(1 - sigmoid(x))^2 - sigmoid(x)^2*(1 - sigmoid(x))",
         "sigmoid(x)*(1 - 2*sigmoid(x))*(1 - sigmoid(x))"},
        {"exp-product", "exp(x)*exp(y^2)", "exp(y^2 + x)"},
        {"sign-abs", "sign(x - y)*abs(x - y)", "x - y"},
        {"sin-over-cos", "sin(x^2)/cos(x^2)", "tan(x^2)"},
        {"sqrt-of-square", "sqrt((x - y)^2)", "abs(x - y)"},
        {"abs-squared", "abs(x + 1)^2", "(x + 1)^2"},
        {"exp-ln", "exp(ln(x^2 + 1))", "x^2 + 1"},
        {"even-function", "cos(-x*y)", "cos(x*y)"},
        {"even-function", "cosh(-2*x)", "cosh(2*x)"},
        {"even-function", "abs(-x)", "abs(x)"},
        {"sigmoid-complement", "x*y*sigmoid(-z) - x*(1 - y)*sigmoid(z)", "x*(y - sigmoid(z))"},
        {"sigmoid-complement", "y*sigmoid(-x) + (y - 1)*sigmoid(x) + z", "y + z - sigmoid(x)"},
        {"sigmoid-complement", "x^2*(1 - y)*sigmoid(z)*(1 - sigmoid(z)) + x^2*y*sigmoid(-z)*(1 - sigmoid(-z))",
         "x^2*sigmoid(z)*(1 - sigmoid(z))"},
        {"negate-difference", "-x*(y - sigmoid(z))", "x*(sigmoid(z) - y)"},
        {"combine-fractions", "2/(x - 1) - (2*x + 1)/(x - 1)^2", "-3/(x - 1)^2"},
        {"combine-fractions", "2*x/(x - 1) - (x^2 + 1)/(x - 1)^2", "(x^2 - 2*x - 1)/(x - 1)^2"},
        {"combine-fractions", "x/(x + y) - 1", "-y/(x + y)"},
        {"combine-fractions", "(x^2 - y^2)/(x - y)", "x + y"},
        {"combine-fractions", "cos(x)/x - sin(x)/x^2 + 1/x^2", "(x*cos(x) - sin(x) + 1)/x^2"},
        // A base the numerator shares only part of: split by a GCD over the rationals, and cancelled.
        {"combine-fractions", "1/(x^2 - 4) - 2*x*(x + 2)/(x^2 - 4)^2", "-1/(x - 2)^2"},
        {"combine-fractions", "(x^2 + 5*x + 6)/(x^2 - 9)", "(x + 2)/(x - 3)"},
        // a monomial in front of the numerator where that prints shorter
        {"combine-fractions", "exp(x)/x - exp(x)/x^2", "exp(x)*(x - 1)/x^2"},
        // Multiplied out where terms cancel or merge; the monomial all terms share in front.
        {"polynomial-form", "exp(-x) - (x + 1)*exp(-x)", "-x*exp(-x)"},
        {"polynomial-form", "800*x^2 - 400*(y - x^2) + 2", "1200*x^2 - 400*y + 2"},
        {"polynomial-form", "2*x*exp(-x) - x^2*exp(-x)", "x*exp(-x)*(2 - x)"},
        {"polynomial-form", "exp(x*y) + x*y*exp(x*y)", "exp(x*y)*(x*y + 1)"},
        // Roots over one denominator: the base to its lowest half-integer power in front.
        {"roots-over-denominator", "1/sqrt(x^2 + 1) - x^2/(x^2 + 1)^(3/2)", "1/(x^2 + 1)^(3/2)"},
        {"roots-over-denominator", "sqrt(x)/(2*sqrt(x + 1)) + sqrt(x + 1)/(2*sqrt(x))",
         "(x + 1/2)/(sqrt(x)*sqrt(x + 1))"},
        {"roots-over-denominator", "sqrt(1 - x^2) - x^2/sqrt(1 - x^2)", "(1 - 2*x^2)/sqrt(1 - x^2)"},
        {"fraction-into-sum", "(2*x - 4)/(2*sqrt(x^2 - 4*x))", "(x - 2)/sqrt(x^2 - 4*x)"},
        {"nested-fraction", "-1/(x^2*(1/x^2 + 1))", "-1/(x^2 + 1)"},
        {"nested-fraction", "-2*(1/x + 1)/x^2", "-2*(x + 1)/x^3"},
        {"nested-fraction", "-y/(x^2*(y^2/x^2 + 1))", "-y/(x^2 + y^2)"},
        {"nested-fraction", "1/(2*sqrt(1 - x^2/4))", "1/sqrt(4 - x^2)"},
        {"root-of-power", "sqrt(sqrt(x))", "x^(1/4)"},
        {"root-of-power", "sqrt(x^3)", "x^(3/2)"},
        {"root-of-power", "sqrt(1/x)", "1/sqrt(x)"},
        // Trigonometric forms as SymPy's simplify writes them.
        {"cos-over-sin", "cos(x)/sin(x)", "1/tan(x)"},
        {"tan-times-cos", "y*tan(x)*cos(x)", "y*sin(x)"},
        {"tan-times-cos-squared", "-1/(cos(x)^2*tan(x)^2)", "-1/sin(x)^2"},
        {"double-angle", "-6*sin(3*x)*cos(3*x)", "-3*sin(6*x)"},
        {"double-angle", "2*sinh(x)*cosh(x)", "sinh(2*x)"},
        {"cos2-minus-sin2", "cos(x)^2 - sin(x)^2", "cos(2*x)"},
        {"cosh2-plus-sinh2", "sinh(x)^2 + cosh(x)^2", "cosh(2*x)"},
        {"pythagorean-over-denominator", "sin(x)^2/cos(x)^2 + 1", "1/cos(x)^2"},
        {"pythagorean-over-denominator", "cos(x)*(cos(x) - 1)/sin(x)^2 + 1", "(1 - cos(x))/sin(x)^2"},
    };
    std::set<std::string> tested;
    for (const Example& ex : examples) {
        INFO(ex.rule << ": " << ex.in);
        Expr in = f.p(ex.in);
        Expr r = apply_rule(ex.rule, in);
        REQUIRE(!r.is_null());
        REQUIRE(f.s(r) == ex.out);
        REQUIRE(f.s(simplify(in)) == ex.out);
        require_same_values(in, r);
        tested.insert(ex.rule);
    }
    {
        // the reductions' rule, with the makers (a reduction has no values without a loop
        // evaluator; tests/unit/test_diff_reductions.cpp checks them unrolled)
        Expr x = f.c.symbol("x"), y = f.c.symbol("y"), s = f.c.call(Op::Sigmoid, {f.c.symbol("z")});
        Expr in = -f.c.row_mean(x * (y - s));
        REQUIRE(apply_rule("negate-into-reduction", in) == f.c.row_mean(x * (s - y)));
        REQUIRE(simplify(in) == f.c.row_mean(x * (s - y)));
        tested.insert("negate-into-reduction");
    }
    // the table has no rule without an example
    for (const RuleInfo& r : simplify_rules()) {
        INFO(r.name);
        REQUIRE(tested.count(std::string(r.name)) == 1);
    }
    REQUIRE_THROWS_AS(apply_rule("no-such-rule", f.p("x")), Error);
}

TEST_CASE("simplify: rules do not fire where they would not pay or do not match", "[simplify]") {
    Fixture f;
    // the product rule's own form stays: pulling x out would not help a reader
    Expr pr = f.p("2*x*sin(x) + x^2*cos(x)");
    REQUIRE(simplify(pr) == pr);
    REQUIRE(f.s(simplify(f.p("x^2 + x*cos(x*y)"))) == "x^2 + x*cos(x*y)");
    // numeric factors stay inside: Rosenbrock's textbook derivative is unchanged
    Expr ros = f.p("-2*(1 - x) - 400*x*(y - x^2)");
    REQUIRE(simplify(ros) == ros);
    // nor multiplied out into more terms, though that prints shorter
    REQUIRE(apply_rule("polynomial-form", ros).is_null());
    REQUIRE(apply_rule("polynomial-form", f.p("36*x*(3*x + 1) + 6*(3*x + 1)^2")).is_null());
    Expr chain = f.p("6*(3*x + 1)");
    REQUIRE(simplify(chain) == chain);
    REQUIRE(apply_rule("pythagorean", f.p("sin(x)^2 + cos(y)^2")).is_null());
    REQUIRE(apply_rule("sign-abs", f.p("sign(x)*abs(y)")).is_null());
    // unchanged input keeps its node
    Expr e = f.p("exp(x)*sin(y) + 3");
    REQUIRE(simplify(e) == e);
}

TEST_CASE("simplify: cost decreases and the driver reaches a fixpoint", "[simplify]") {
    Fixture f;
    Expr e = f.p("exp(ln(sin(x)^2 + cos(x)^2 + y))");
    Expr s = simplify(e);
    REQUIRE(f.s(s) == "y + 1");
    REQUIRE(simplify_cost(s) < simplify_cost(e));
    REQUIRE(simplify(s) == s);
    REQUIRE(simplify_cost(f.p("x")) == 1);
    REQUIRE(simplify_cost(f.p("x + 1")) == 3);
}

TEST_CASE("simplify: textbook forms of derivatives", "[simplify][diff]") {
    Fixture f;
    Expr x = f.c.symbol("x"), y = f.c.symbol("y");
    Expr ros = f.p("(1-x)^2 + 100*(y-x^2)^2");
    REQUIRE(f.s(simplify(diff(ros, x))) == "-2*(1 - x) - 400*x*(y - x^2)");
    REQUIRE(f.s(simplify(diff(ros, y))) == "200*(y - x^2)");
    REQUIRE(f.s(simplify(diff(f.p("x^2*sin(x)"), x))) == "2*x*sin(x) + x^2*cos(x)");
    REQUIRE(f.s(simplify(diff(f.p("sigmoid(x)"), x))) == "sigmoid(x)*(1 - sigmoid(x))");
    REQUIRE(f.s(simplify(diff(f.p("sigmoid(x)"), x, 2))) == "sigmoid(x)*(1 - 2*sigmoid(x))*(1 - sigmoid(x))");
    REQUIRE(f.s(simplify(diff(f.p("x^x"), x))) == "x^x*(ln(x) + 1)");
    REQUIRE(f.s(simplify(diff(f.p("tan(x)"), x))) == "1/cos(x)^2");
}

TEST_CASE("simplify: values are preserved over random expressions", "[simplify][property]") {
    Context ctx;
    testing::RandomExprOptions opt;
    opt.constants = testing::kIntegers | testing::kRationals | testing::kNegative;
    std::vector<Expr> vars;
    for (const auto& v : opt.variables) vars.push_back(ctx.symbol(v));
    // Inputs where the rules apply: each rule's example with x and y replaced by random
    // expressions (sin(A)^2 + cos(A)^2 + B, ...), then plain random expressions and their
    // derivatives.
    const char* templates[] = {"sin(x)^2 + cos(x)^2 + y", "3*sin(x)^2 + 3*cos(x)^2 + y", "1 - sin(x)^2",
                               "1 - cos(x)^2", "cosh(x)^2 - sinh(x)^2", "x*y^2 - x^2*y + y", "exp(x)*exp(y)",
                               "sign(x)*abs(x)", "sin(x)/cos(x)", "sqrt(x^2)", "abs(x)^2", "exp(ln(x))",
                               "cos(-x*y)", "cosh(-x)", "abs(-y*x)"};
    int changed = 0, compared = 0;
    auto check = [&](Expr subject, testing::RandomExpr& gen, int i) {
        Expr s = simplify(subject);
        if (s == subject) return;
        ++changed;
        INFO("expression " << i << ": " << to_string(subject) << "\n  simplified: " << to_string(s));
        REQUIRE(simplify_cost(s) < simplify_cost(subject));
        // Every node of the original, evaluated: rounding in the original is relative to its
        // largest intermediate value (cosh(u)^2 - sinh(u)^2 is 0, not 1, in doubles once u is
        // large), so that is the scale of the tolerance.
        const std::vector<NodeId> ids = topological_order(std::span<const Expr>(&subject, 1));
        std::vector<Expr> nodes;
        for (NodeId id : ids) nodes.push_back(ctx[id]);
        Interpreter all(nodes, vars);
        std::vector<double> values(nodes.size());
        for (int t = 0; t < 5; ++t) {
            Bindings at = gen.point(-2, 2);
            double a = evaluate(subject, at), b = evaluate(s, at);
            if (!std::isfinite(a)) continue; // where the original is undefined, anything goes
            const double in[] = {at["x"], at["y"], at["z"]};
            all.run(in, values.data());
            double scale = 1;
            for (double v : values)
                if (std::isfinite(v)) scale = std::max(scale, std::fabs(v));
            INFO("at x=" << at["x"] << " y=" << at["y"] << " z=" << at["z"] << ": " << a << " vs " << b);
            REQUIRE(std::fabs(a - b) <= 1e-9 * scale);
            ++compared;
        }
    };
    for (int i = 0; i < 1500; ++i) {
        opt.max_depth = 1 + i % 5;
        testing::RandomExpr gen(ctx, 0xC0FFEE + static_cast<std::uint64_t>(i), opt);
        Expr e = gen.next();
        // derivatives are what simplify() is for: test those too
        check(i % 2 ? e : diff(e, vars[static_cast<std::size_t>(i) % 3]), gen, i);
        opt.max_depth = 1 + i % 3;
        Expr a = gen.next(), b = gen.next();
        const std::pair<Expr, Expr> rep[] = {{vars[0], a}, {vars[1], b}};
        check(substitute(parse_expr(ctx, templates[i % std::size(templates)]), rep), gen, i);
    }
    REQUIRE(changed > 500);
    REQUIRE(compared > 100);
}

TEST_CASE("substitute: replaces nodes and rebuilds canonically", "[simplify]") {
    Fixture f;
    Expr e = f.p("s*(1 - s) + x");
    const std::pair<Expr, Expr> rep[] = {{f.c.symbol("s"), f.p("sigmoid(x)")}};
    REQUIRE(f.s(substitute(e, rep)) == "x + sigmoid(x)*(1 - sigmoid(x))");
    const std::pair<Expr, Expr> zero[] = {{f.c.symbol("x"), f.c.integer(0)}};
    REQUIRE(substitute(f.p("x*y + 2"), zero) == f.c.integer(2));
    const std::pair<Expr, Expr> none[] = {{f.c.symbol("q"), f.c.integer(1)}};
    REQUIRE(substitute(e, none) == e);
}

TEST_CASE("simplify: combining fractions stays within its bounds and keeps doubles apart", "[simplify]") {
    Fixture f;
    // A numerator with a double coefficient is not a polynomial over the rationals: left alone.
    Expr inexact = f.p("0.30000000000000004/(x - 1) + x/(x - 1)^2");
    CHECK(apply_rule("combine-fractions", inexact).is_null());
    // Powers past the expansion bound are left alone rather than multiplied out.
    CHECK(apply_rule("combine-fractions", f.p("1/(x + 1)^20 + x")).is_null());
    // No denominator, nothing to do (the common case: the Rosenbrock gradient never enters).
    CHECK(apply_rule("combine-fractions", f.p("2*x + 3*(y - x^2)")).is_null());
}

TEST_CASE("simplify: exact values at a point", "[simplify]") {
    Fixture f;
    Expr x = f.c.symbol("x"), y = f.c.symbol("y");
    auto at = [&](const char* e, std::vector<std::pair<Expr, Expr>> v) {
        Expr r = exact_value(f.p(e), v);
        return r.is_null() ? std::string("(none)") : f.s(r);
    };
    CHECK(at("(2*x + 2*y)/sqrt(2)", {{x, f.c.integer(1)}, {y, f.c.integer(2)}}) == "3*sqrt(2)");
    CHECK(at("x/3", {{x, f.c.integer(1)}}) == "1/3");
    CHECK(at("sqrt(x)", {{x, f.c.integer(8)}}) == "2*sqrt(2)");
    CHECK(at("x^(3/2)", {{x, f.c.integer(2)}}) == "2*sqrt(2)");
    CHECK(at("1/sqrt(x)", {{x, f.c.integer(2)}}) == "sqrt(2)/2");
    CHECK(at("x*pi/4", {{x, f.c.integer(2)}}) == "pi/2");
    // What the double shows already, or not algebraic: none.
    CHECK(at("x/4", {{x, f.c.integer(1)}}) == "(none)");
    CHECK(at("x^2", {{x, f.c.integer(3)}}) == "(none)");
    CHECK(at("sin(x)", {{x, f.c.integer(1)}}) == "(none)");
    CHECK(at("x + y", {{x, f.c.integer(1)}}) == "(none)");
    CHECK(at("x/3", {{x, f.c.real(0.1 + 0.2)}}) == "(none)");
    // Sums are never simplified for an exact line, however large their range.
    CHECK(at("sum(i = 1..10^15, i)/3", {}) == "(none)");
}
