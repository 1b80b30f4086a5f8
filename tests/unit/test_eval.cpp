// The reference interpreter: IEEE semantics, every function against <cmath>, the tape against
// evaluate(), and deep DAGs without native recursion.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../../lib/eval/semantics.hpp"
#include "random_expr.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"

using namespace symdiff;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool same_bits(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

double at_x(Expr e, double x) { return evaluate(e, {{"x", x}}); }

} // namespace

TEST_CASE("eval: IEEE values are values, not errors", "[eval]") {
    Context c;
    Expr x = c.symbol("x");
    REQUIRE(at_x(c.integer(1) / x, 0.0) == kInf);
    REQUIRE(at_x(c.integer(-1) / x, 0.0) == -kInf);
    REQUIRE(std::isnan(at_x(c.call(Op::Log, {x}), -1.0)));
    REQUIRE(at_x(c.call(Op::Log, {x}), 0.0) == -kInf);
    REQUIRE(std::isnan(at_x(c.sqrt(x), -1.0)));
    // 0*inf folded at construction is a nan constant, and evaluates to nan.
    Expr folded = c.integer(0) * c.real(kInf);
    REQUIRE(folded.is_number());
    REQUIRE(std::isnan(evaluate(folded, {})));
    REQUIRE(std::isnan(at_x(x * c.real(kInf), 0.0)));
    REQUIRE(evaluate(c.real(kInf) + c.integer(1), {}) == kInf);
}

TEST_CASE("eval: constants", "[eval]") {
    Context c;
    REQUIRE(evaluate(c.pi(), {}) == 3.141592653589793);
    REQUIRE(evaluate(c.e(), {}) == std::exp(1.0));
    REQUIRE(evaluate(c.rational(1, 3), {}) == 1.0 / 3.0);
    REQUIRE(evaluate(c.integer(-7), {}) == -7.0);
}

TEST_CASE("eval: every function against <cmath>", "[eval]") {
    Context c;
    Expr x = c.symbol("x");
    struct Case {
        Op op;
        double (*ref)(double);
    };
    const Case cases[] = {
        {Op::Exp, [](double v) { return std::exp(v); }},     {Op::Log, [](double v) { return std::log(v); }},
        {Op::Sin, [](double v) { return std::sin(v); }},     {Op::Cos, [](double v) { return std::cos(v); }},
        {Op::Tan, [](double v) { return std::tan(v); }},     {Op::Asin, [](double v) { return std::asin(v); }},
        {Op::Acos, [](double v) { return std::acos(v); }},   {Op::Atan, [](double v) { return std::atan(v); }},
        {Op::Sinh, [](double v) { return std::sinh(v); }},   {Op::Cosh, [](double v) { return std::cosh(v); }},
        {Op::Tanh, [](double v) { return std::tanh(v); }},   {Op::Asinh, [](double v) { return std::asinh(v); }},
        {Op::Acosh, [](double v) { return std::acosh(v); }}, {Op::Atanh, [](double v) { return std::atanh(v); }},
        {Op::Abs, [](double v) { return std::fabs(v); }},    {Op::Cbrt, [](double v) { return std::cbrt(v); }},
        {Op::Erf, [](double v) { return std::erf(v); }},
    };
    const double points[] = {-2.5, -0.7, -0.0, 0.0, 0.3, 0.999, 1.0, 1.5, 40.0, kInf, -kInf};
    for (const Case& k : cases) {
        Expr f = c.call(k.op, {x});
        for (double p : points) {
            INFO(op_name(k.op) << "(" << p << ")");
            REQUIRE(same_bits(at_x(f, p), k.ref(p)));
        }
    }
    Expr y = c.symbol("y");
    REQUIRE(evaluate(c.call(Op::Atan2, {y, x}), {{"x", -1.0}, {"y", 0.5}}) == std::atan2(0.5, -1.0));
    REQUIRE(evaluate(c.call(Op::Atan2, {y, x}), {{"x", -1.0}, {"y", -0.0}}) == std::atan2(-0.0, -1.0));
}

TEST_CASE("eval: the ML functions follow semantics.hpp", "[eval]") {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto f = [&](Op op, double v) { return at_x(c.call(op, {x}), v); };

    REQUIRE(f(Op::Sigmoid, 0.0) == 0.5);
    REQUIRE(f(Op::Sigmoid, 2.0) == 1.0 / (1.0 + std::exp(-2.0)));
    REQUIRE(f(Op::Sigmoid, -2.0) == std::exp(-2.0) / (1.0 + std::exp(-2.0)));
    REQUIRE(f(Op::Sigmoid, -800.0) == 0.0);
    REQUIRE(f(Op::Sigmoid, 800.0) == 1.0);
    REQUIRE(std::isnan(f(Op::Sigmoid, nan)));

    REQUIRE(f(Op::Softplus, 0.0) == std::log1p(1.0));
    REQUIRE(f(Op::Softplus, 800.0) == 800.0);
    REQUIRE(f(Op::Softplus, -800.0) == 0.0);
    REQUIRE(f(Op::Softplus, 3.0) == 3.0 + std::log1p(std::exp(-3.0)));

    REQUIRE(f(Op::Relu, 2.5) == 2.5);
    REQUIRE(f(Op::Relu, -2.5) == 0.0);
    REQUIRE(f(Op::Relu, nan) == 0.0);
    REQUIRE(f(Op::Heaviside, 0.0) == 0.0);
    REQUIRE(f(Op::Heaviside, 1e-300) == 1.0);
    REQUIRE(f(Op::Heaviside, nan) == 0.0);
    REQUIRE(f(Op::Sign, -3.0) == -1.0);
    REQUIRE(f(Op::Sign, 3.0) == 1.0);
    REQUIRE(same_bits(f(Op::Sign, -0.0), -0.0));
    REQUIRE(std::isnan(f(Op::Sign, nan)));

    auto g = [&](Op op, double a, double b) { return evaluate(c.call(op, {x, y}), {{"x", a}, {"y", b}}); };
    REQUIRE(g(Op::Max, 1.0, 2.0) == 2.0);
    REQUIRE(g(Op::Min, 1.0, 2.0) == 1.0);
    REQUIRE(std::isnan(g(Op::Max, nan, 2.0)));
    REQUIRE(std::isnan(g(Op::Max, 2.0, nan)));
    REQUIRE(std::isnan(g(Op::Min, nan, 2.0)));
    REQUIRE(std::isnan(g(Op::Min, 2.0, nan)));
}

TEST_CASE("eval: powers follow the documented operation order", "[eval]") {
    Context c;
    Expr x = c.symbol("x");
    const double v = 1.0000001234567;
    for (int n = -64; n <= 64; ++n) {
        if (n == 0) continue;
        double expect = detail::int_power(v, static_cast<std::uint32_t>(n < 0 ? -n : n));
        if (n < 0) expect = 1.0 / expect;
        INFO("n = " << n);
        REQUIRE(same_bits(at_x(pow(x, c.integer(n)), v), expect));
    }
    REQUIRE(detail::int_power(v, 3) == (v * v) * v);
    REQUIRE(detail::int_power(v, 5) == ((v * v) * (v * v)) * v);
    REQUIRE(detail::int_power(v, 6) == ((v * v) * v) * ((v * v) * v));
    REQUIRE(at_x(c.sqrt(x), 2.0) == std::sqrt(2.0));
    REQUIRE(at_x(pow(x, c.rational(-1, 2)), 2.0) == 1.0 / std::sqrt(2.0));
    REQUIRE(at_x(pow(x, c.integer(65)), v) == std::pow(v, 65.0));
    REQUIRE(at_x(pow(x, c.rational(1, 3)), 8.0) == std::pow(8.0, 1.0 / 3.0));
    REQUIRE(std::isnan(at_x(pow(x, c.rational(1, 3)), -8.0)));
    REQUIRE(at_x(pow(c.integer(2), x), 10.0) == 1024.0);
}

TEST_CASE("eval: sums and products run left to right in stored order", "[eval]") {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y"), z = c.symbol("z");
    Expr s = c.add({x, y, z});
    Expr p = c.mul({x, y, z});
    Bindings at{{"x", 1e16}, {"y", -1e16}, {"z", 1.0}};
    double sum = at.at(s[0].name());
    double prod = sum;
    for (std::size_t i = 1; i < 3; ++i) sum = sum + at.at(s[i].name());
    for (std::size_t i = 1; i < 3; ++i) prod = prod * at.at(p[i].name());
    REQUIRE(same_bits(evaluate(s, at), sum));
    REQUIRE(same_bits(evaluate(p, at), prod));
}

TEST_CASE("eval: errors", "[eval]") {
    Context c;
    Expr x = c.symbol("x"), z = c.symbol("z");
    REQUIRE_THROWS_WITH(evaluate(x + z, {{"x", 1.0}}), "unknown variable 'z'");
    REQUIRE_THROWS_WITH(evaluate(c.list({x, z}), {{"x", 1.0}, {"z", 2.0}}), "cannot evaluate a list to a number");
    Expr outs[] = {x + z};
    Expr ins[] = {x};
    REQUIRE_THROWS_WITH(Interpreter(outs, ins), "unknown variable 'z'");
    Expr list_out[] = {c.list({x})};
    REQUIRE_THROWS_WITH(Interpreter(list_out, ins), "cannot evaluate a list to a number");
    Expr bad_in[] = {x + z};
    REQUIRE_THROWS_AS(Interpreter(outs, bad_in), Error);
}

TEST_CASE("eval: Interpreter agrees bit for bit with evaluate", "[eval][interpreter]") {
    Context c;
    testing::RandomExprOptions opt;
    opt.max_depth = 5;
    opt.constants = testing::kAllConstants;
    testing::RandomExpr gen(c, 20261122, opt);
    Expr vars[] = {c.symbol("x"), c.symbol("y"), c.symbol("z")};
    for (int i = 0; i < 2000; ++i) {
        std::vector<Expr> outs{gen.next(), gen.next(), gen.next()};
        Interpreter interp(outs, vars);
        REQUIRE(interp.inputs() == 3);
        REQUIRE(interp.outputs() == 3);
        for (int k = 0; k < 3; ++k) {
            Bindings at = gen.point(-3, 3);
            double in[3] = {at["x"], at["y"], at["z"]};
            double out[3];
            interp.run(in, out);
            for (int j = 0; j < 3; ++j) {
                double want = evaluate(outs[j], at);
                INFO("seed 20261122, expression " << i << "." << j);
                REQUIRE(same_bits(out[j], want));
            }
        }
    }
}

TEST_CASE("eval: shared subexpressions and outputs that are inputs or constants", "[eval][interpreter]") {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y");
    Expr shared = c.call(Op::Sin, {x * y});
    std::vector<Expr> outs{shared * shared + shared, x, c.integer(3), c.pi()};
    Expr ins[] = {x, y};
    Interpreter interp(outs, ins);
    double in[2] = {0.5, 2.0};
    double out[4];
    interp.run(in, out);
    double s = std::sin(1.0);
    REQUIRE(out[0] == evaluate(outs[0], {{"x", 0.5}, {"y", 2.0}}));
    REQUIRE(std::fabs(out[0] - (s * s + s)) < 1e-15);
    REQUIRE(out[1] == 0.5);
    REQUIRE(out[2] == 3.0);
    REQUIRE(out[3] == 3.141592653589793);
}

TEST_CASE("eval: chains 100,000 deep evaluate without recursion", "[eval][deep]") {
    Context c;
    Expr x = c.symbol("x");
    Expr e = x;
    for (int i = 0; i < 100000; ++i) e = c.call(Op::Sin, {e});
    REQUIRE(e.height() == 100001);
    double v = 1.0;
    for (int i = 0; i < 100000; ++i) v = std::sin(v);
    REQUIRE(at_x(e, 1.0) == v);
    Expr outs[] = {e};
    Expr ins[] = {x};
    double in = 1.0, out = 0;
    Interpreter(outs, ins).run(&in, &out);
    REQUIRE(out == v);

    // A DAG of doubling sums: 2^60 as a tree, 60 nodes as a DAG.
    Expr d = x;
    for (int i = 0; i < 60; ++i) d = c.call(Op::Cos, {d}) + c.call(Op::Sin, {d});
    REQUIRE(std::isfinite(at_x(d, 0.25)));
}

TEST_CASE("eval: the Interpreter is the loop plan's interpreter over numbers", "[eval][interpreter]") {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y"), n = c.symbol("n"), i = c.symbol("i");
    // An input listed twice reads its first slot; the second is never read.
    Expr outs[] = {x * y + c.call(Op::Sin, {x})};
    Expr twice[] = {x, y, x};
    Interpreter dup(outs, twice);
    REQUIRE(dup.inputs() == 3);
    double in[] = {0.75, -2.5, 1e300}, out = 0;
    dup.run(in, &out);
    REQUIRE(same_bits(out, evaluate(outs[0], {{"x", 0.75}, {"y", -2.5}})));
    // A sum over an index whose bounds are inputs: the same bits as the LoopInterpreter's.
    Expr sum = c.sum(i, c.integer(1), n, c.pow(x, i) / i);
    Expr sum_out[] = {sum, sum * x};
    Expr ins[] = {x, n};
    Interpreter interp(sum_out, ins);
    LoopInterpreter loops(sum_out, Signature{{x, n}, {}});
    double at[] = {0.3, 25}, got[2] = {0, 0}, want[2] = {0, 0};
    interp.run(at, got);
    LoopArgs args;
    args.scalars = at;
    args.out = want;
    loops.run(args);
    REQUIRE(same_bits(got[0], want[0]));
    REQUIRE(same_bits(got[1], want[1]));
    REQUIRE(got[0] > 0.35);
    // Vectors have no inputs here.
    Expr v = c.symbol("v");
    Expr indexed[] = {c.at(v, c.integer(1))};
    REQUIRE_THROWS_WITH(Interpreter(indexed, ins), "unknown variable 'v'");
}
