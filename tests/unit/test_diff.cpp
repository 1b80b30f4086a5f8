// Differentiation: one test per rule (named after it, d-add, d-mul, d-power, ...), gradients,
// Jacobians, Hessians, directional derivatives, deep expressions and errors.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/expr.hpp"

using namespace symdiff;

namespace {

struct Fixture {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y"), z = c.symbol("z");
    Expr n(std::int64_t v) { return c.integer(v); }
    Expr q(std::int64_t p, std::int64_t d) { return c.rational(p, d); }
    Expr f(Op op, Expr a) { return c.call(op, {a}); }
    Expr f(Op op, Expr a, Expr b) { return c.call(op, {a, b}); }
    Expr sq(Expr a) { return pow(a, n(2)); }
};

} // namespace

TEST_CASE("diff: d-const and d-var", "[diff]") {
    Fixture t;
    REQUIRE(diff(t.n(5), t.x) == t.n(0));
    REQUIRE(diff(t.c.pi(), t.x) == t.n(0));
    REQUIRE(diff(t.x, t.x) == t.n(1));
    REQUIRE(diff(t.y, t.x) == t.n(0));
}

TEST_CASE("diff: d-add is the sum rule and d-constant-multiple keeps the constant", "[diff]") {
    Fixture t;
    // 4x^2 - 2x + 7 -> 8x - 2
    Expr e = t.n(4) * t.sq(t.x) - t.n(2) * t.x + t.n(7);
    REQUIRE(diff(e, t.x) == t.n(8) * t.x - t.n(2));
    // c*x -> c, x + c -> 1
    Expr k = t.c.symbol("c");
    REQUIRE(diff(k * t.x, t.x) == k);
    REQUIRE(diff(t.x + k, t.x) == t.n(1));
}

TEST_CASE("diff: d-power with constant, symbolic and fractional exponents", "[diff]") {
    Fixture t;
    REQUIRE(diff(pow(t.x, t.n(3)), t.x) == t.n(3) * t.sq(t.x));
    REQUIRE(diff(pow(t.x, t.n(0)), t.x) == t.n(0));
    // x^n -> n*x^(n-1)
    Expr nn = t.c.symbol("n");
    REQUIRE(diff(pow(t.x, nn), t.x) == nn * pow(t.x, nn - t.n(1)));
    // sqrt(x) -> 1/(2 sqrt(x))
    REQUIRE(diff(t.c.sqrt(t.x), t.x) == t.q(1, 2) * pow(t.x, t.q(-1, 2)));
    // 1/x^2 -> -2/x^3
    REQUIRE(diff(t.n(1) / t.sq(t.x), t.x) == t.n(-2) * pow(t.x, t.n(-3)));
}

TEST_CASE("diff: d-exponential a^x and the general power f^g", "[diff]") {
    Fixture t;
    Expr a = t.c.symbol("a");
    // a^x -> a^x*ln(a)
    REQUIRE(diff(pow(a, t.x), t.x) == pow(a, t.x) * t.f(Op::Log, a));
    // 2^x -> 2^x*ln(2)
    REQUIRE(diff(pow(t.n(2), t.x), t.x) == pow(t.n(2), t.x) * t.f(Op::Log, t.n(2)));
    // x^x -> x^x*ln(x) + x^x
    Expr xx = pow(t.x, t.x);
    REQUIRE(diff(xx, t.x) == xx * t.f(Op::Log, t.x) + xx);
    // e^x is exp(x): its own derivative
    REQUIRE(diff(pow(t.c.e(), t.x), t.x) == t.f(Op::Exp, t.x));
}

TEST_CASE("diff: d-mul is the product rule", "[diff]") {
    Fixture t;
    // x^2*sin(x) -> 2x*sin(x) + x^2*cos(x)
    Expr e = t.sq(t.x) * t.f(Op::Sin, t.x);
    REQUIRE(diff(e, t.x) == t.n(2) * t.x * t.f(Op::Sin, t.x) + t.sq(t.x) * t.f(Op::Cos, t.x));
    // a product of three factors gives three terms
    Expr e3 = t.x * t.f(Op::Exp, t.x) * t.f(Op::Sin, t.x);
    Expr want = t.f(Op::Exp, t.x) * t.f(Op::Sin, t.x) + t.x * t.f(Op::Exp, t.x) * t.f(Op::Sin, t.x) +
                t.x * t.f(Op::Exp, t.x) * t.f(Op::Cos, t.x);
    REQUIRE(diff(e3, t.x) == want);
}

TEST_CASE("diff: d-quotient falls out of product and power rules", "[diff]") {
    Fixture t;
    // 1/x -> -1/x^2
    REQUIRE(diff(t.n(1) / t.x, t.x) == -pow(t.x, t.n(-2)));
    // x^2/x^3 = 1/x -> -1/x^2
    REQUIRE(diff(t.sq(t.x) / pow(t.x, t.n(3)), t.x) == -pow(t.x, t.n(-2)));
    // sin(x)/x -> cos(x)/x - sin(x)/x^2
    Expr e = t.f(Op::Sin, t.x) / t.x;
    REQUIRE(diff(e, t.x) == t.f(Op::Cos, t.x) / t.x - t.f(Op::Sin, t.x) / t.sq(t.x));
    // ln(x)/ln(a) -> 1/(x*ln(a))
    Expr a = t.c.symbol("a");
    REQUIRE(diff(t.f(Op::Log, t.x) / t.f(Op::Log, a), t.x) == t.n(1) / (t.x * t.f(Op::Log, a)));
}

TEST_CASE("diff: d-chain multiplies outer and inner derivatives", "[diff]") {
    Fixture t;
    // (3x + 1)^2 -> 6(3x + 1)
    Expr u = t.n(3) * t.x + t.n(1);
    REQUIRE(diff(t.sq(u), t.x) == t.n(6) * u);
    // (2x + 1)^3 -> 6(2x + 1)^2
    Expr v = t.n(2) * t.x + t.n(1);
    REQUIRE(diff(pow(v, t.n(3)), t.x) == t.n(6) * t.sq(v));
    // sin(x^2) -> 2x*cos(x^2)
    REQUIRE(diff(t.f(Op::Sin, t.sq(t.x)), t.x) == t.n(2) * t.x * t.f(Op::Cos, t.sq(t.x)));
    // sin(x)^2 -> 2 sin(x) cos(x)
    REQUIRE(diff(t.sq(t.f(Op::Sin, t.x)), t.x) == t.n(2) * t.f(Op::Sin, t.x) * t.f(Op::Cos, t.x));
    // exp(x^2) -> 2x*exp(x^2), and never exp(x^2) alone (the tutorial's common mistake)
    Expr ex2 = t.f(Op::Exp, t.sq(t.x));
    REQUIRE(diff(ex2, t.x) == t.n(2) * t.x * ex2);
    REQUIRE(diff(ex2, t.x) != ex2);
}

TEST_CASE("diff: a rule for every function", "[diff]") {
    Fixture t;
    Context& c = t.c;
    Expr x = t.x, one = t.n(1);
    auto d = [&](Op op) { return diff(t.f(op, x), x); };
    REQUIRE(d(Op::Exp) == t.f(Op::Exp, x));
    REQUIRE(d(Op::Log) == pow(x, t.n(-1)));
    REQUIRE(d(Op::Sin) == t.f(Op::Cos, x));
    REQUIRE(d(Op::Cos) == -t.f(Op::Sin, x));
    REQUIRE(d(Op::Tan) == pow(t.f(Op::Cos, x), t.n(-2)));
    REQUIRE(d(Op::Asin) == pow(one - t.sq(x), t.q(-1, 2)));
    REQUIRE(d(Op::Acos) == -pow(one - t.sq(x), t.q(-1, 2)));
    REQUIRE(d(Op::Atan) == pow(one + t.sq(x), t.n(-1)));
    REQUIRE(d(Op::Sinh) == t.f(Op::Cosh, x));
    REQUIRE(d(Op::Cosh) == t.f(Op::Sinh, x));
    REQUIRE(d(Op::Tanh) == one - t.sq(t.f(Op::Tanh, x)));
    REQUIRE(d(Op::Asinh) == pow(t.sq(x) + one, t.q(-1, 2)));
    REQUIRE(d(Op::Acosh) == pow(t.sq(x) - one, t.q(-1, 2)));
    REQUIRE(d(Op::Atanh) == pow(one - t.sq(x), t.n(-1)));
    REQUIRE(d(Op::Abs) == t.f(Op::Sign, x));
    REQUIRE(d(Op::Sign) == t.n(0));
    REQUIRE(d(Op::Heaviside) == t.n(0));
    REQUIRE(d(Op::Cbrt) == t.q(1, 3) * pow(t.f(Op::Cbrt, x), t.n(-2)));
    REQUIRE(d(Op::Erf) == t.n(2) * pow(c.pi(), t.q(-1, 2)) * t.f(Op::Exp, -t.sq(x)));
    Expr s = t.f(Op::Sigmoid, x);
    REQUIRE(d(Op::Sigmoid) == s * (one - s));
    REQUIRE(d(Op::Relu) == t.f(Op::Heaviside, x));
    REQUIRE(d(Op::Softplus) == s);
    // atan2(y, x): (x y' - y x')/(x^2 + y^2)
    Expr r2 = t.sq(x) + t.sq(t.y);
    REQUIRE(diff(t.f(Op::Atan2, t.y, x), x) == -t.y / r2);
    REQUIRE(diff(t.f(Op::Atan2, t.y, x), t.y) == x / r2);
    // max/min pass the derivative of the active argument, shared equally at a tie
    Expr sg = t.f(Op::Sign, x - t.sq(x));
    REQUIRE(diff(t.f(Op::Max, x, t.sq(x)), x) == t.q(1, 2) * (one + sg) + x * (one - sg));
    REQUIRE(diff(t.f(Op::Min, x, t.y), x) == t.q(1, 2) * (one - t.f(Op::Sign, x - t.y)));
    REQUIRE(diff(t.f(Op::Max, x, t.y), t.y) == t.q(1, 2) * (one - t.f(Op::Sign, x - t.y)));
    // Every function of ops.def has a rule: none throws, whatever its arity.
    for (std::size_t k = 0; k < op_count(); ++k) {
        Op op = static_cast<Op>(k);
        if (op_kind(op) != OpKind::Function) continue;
        std::vector<Expr> args{t.f(Op::Sin, x)};
        if (op_arity(op) == 2) args.push_back(t.y * x);
        INFO(op_name(op));
        Expr e = c.call(op, args);
        REQUIRE_NOTHROW(diff(e, x));
        REQUIRE_NOTHROW(local_partial(e, 0));
    }
}

TEST_CASE("diff: a derivative shares nodes with its function", "[diff]") {
    Fixture t;
    Expr u = t.f(Op::Sin, t.x * t.y);
    Expr e = t.f(Op::Exp, u) + u * u;
    Expr d = diff(e, t.x);
    // exp(sin(xy)) and cos(xy) appear once each
    REQUIRE(dag_size(d) < 20);
    // the same question asked twice gives the same node
    REQUIRE(diff(e, t.x) == d);
}

TEST_CASE("diff: higher orders and successive partials", "[diff]") {
    Fixture t;
    Expr e = pow(t.x, t.n(4));
    REQUIRE(diff(e, t.x, 0) == e);
    REQUIRE(diff(e, t.x, 2) == t.n(12) * t.sq(t.x));
    REQUIRE(diff(e, t.x, 5) == t.n(0));
    // d2/dxdy (x^2 y^3) = 6 x y^2
    Expr f = t.sq(t.x) * pow(t.y, t.n(3));
    const Expr xy[] = {t.x, t.y};
    REQUIRE(diff(f, xy) == t.n(6) * t.x * t.sq(t.y));
    REQUIRE_THROWS_AS(diff(e, t.x, -1), Error);
}

TEST_CASE("diff: a list differentiates elementwise", "[diff]") {
    Fixture t;
    Expr l = t.c.list({t.sq(t.x), t.f(Op::Sin, t.x)});
    REQUIRE(diff(l, t.x) == t.c.list({t.n(2) * t.x, t.f(Op::Cos, t.x)}));
}

TEST_CASE("diff: errors name what cannot be differentiated", "[diff]") {
    Fixture t;
    REQUIRE_THROWS_WITH(diff(t.sq(t.x), t.n(2)), "a derivative must be taken with respect to a variable, not a num");
    REQUIRE_THROWS_WITH(diff(t.sq(t.x), t.x + t.y), "a derivative must be taken with respect to a variable, not a add");
    const Expr v[] = {t.x};
    REQUIRE_THROWS_WITH(gradient(t.c.list({t.x}), v),
                        "the gradient is defined for a scalar expression; use the Jacobian for a list");
    // a list nested inside a function has no meaning
    Expr bad = t.f(Op::Sin, t.c.list({t.x}));
    REQUIRE_THROWS_WITH(diff(bad, t.x), "a list cannot appear inside an expression that is differentiated");
    REQUIRE_THROWS_WITH(gradient(bad, v), "a list cannot appear inside an expression that is differentiated");
}

TEST_CASE("gradient: equals the partial derivatives (Rosenbrock)", "[gradient]") {
    Fixture t;
    // (1 - x)^2 + 100 (y - x^2)^2
    Expr a = t.n(1) - t.x, b = t.y - t.sq(t.x);
    Expr f = t.sq(a) + t.n(100) * t.sq(b);
    const Expr v[] = {t.x, t.y};
    std::vector<Expr> g = gradient(f, v);
    REQUIRE(g.size() == 2);
    REQUIRE(g[0] == t.n(-2) * a - t.n(400) * t.x * b);
    REQUIRE(g[1] == t.n(200) * b);
    REQUIRE(g[0] == diff(f, t.x));
    REQUIRE(g[1] == diff(f, t.y));
}

TEST_CASE("gradient: variables absent from the function get 0; order follows vars", "[gradient]") {
    Fixture t;
    Expr f = t.sq(t.x) * t.y;
    const Expr v[] = {t.z, t.y, t.x};
    std::vector<Expr> g = gradient(f, v);
    REQUIRE(g[0] == t.n(0));
    REQUIRE(g[1] == t.sq(t.x));
    REQUIRE(g[2] == t.n(2) * t.x * t.y);
}

TEST_CASE("gradient: reverse mode over a wide product gives every cofactor", "[gradient]") {
    Fixture t;
    std::vector<Expr> xs, fs;
    for (int i = 0; i < 50; ++i) {
        xs.push_back(t.c.symbol("x" + std::to_string(i)));
        fs.push_back(xs.back());
    }
    Expr p = t.c.mul(fs);
    std::vector<Expr> g = gradient(p, xs);
    for (int i = 0; i < 50; ++i) {
        std::vector<Expr> others;
        for (int j = 0; j < 50; ++j)
            if (j != i) others.push_back(xs[j]);
        REQUIRE(g[i] == t.c.mul(others));
    }
}

TEST_CASE("gradient: 100,000 nested levels need no recursion", "[gradient][deep]") {
    Fixture t;
    // Horner's form s_k = s_{k-1}*x + 1 nests 100,000 levels; forward and reverse mode both
    // walk it with explicit stacks (its adjoints x^k stay single nodes, so this is fast too).
    Expr s = t.x;
    for (int k = 0; k < 100000; ++k) s = s * t.x + t.n(1);
    REQUIRE(s.height() > 100000);
    Expr d = diff(s, t.x);
    REQUIRE(d.height() > 100000);
    const Expr v[] = {t.x};
    Expr g = gradient(s, v)[0];
    REQUIRE(g.is(Op::Add));
    // x + sin(x + sin(...)): forward mode nests its derivative as deep as the function
    Expr u = t.x;
    for (int k = 0; k < 100000; ++k) u = t.x + t.f(Op::Sin, u);
    REQUIRE(diff(u, t.x).height() > 100000);
}

TEST_CASE("jacobian: softmax rows are gradients of the components", "[jacobian]") {
    Fixture t;
    Expr x1 = t.c.symbol("x1"), x2 = t.c.symbol("x2"), x3 = t.c.symbol("x3");
    Expr den = t.f(Op::Exp, x1) + t.f(Op::Exp, x2) + t.f(Op::Exp, x3);
    Expr s1 = t.f(Op::Exp, x1) / den, s2 = t.f(Op::Exp, x2) / den, s3 = t.f(Op::Exp, x3) / den;
    const Expr v[] = {x1, x2, x3};
    auto j = jacobian(t.c.list({s1, s2, s3}), v);
    REQUIRE(j.size() == 3);
    REQUIRE(j[0].size() == 3);
    // J[i][j] = s_i (delta_ij - s_j)
    REQUIRE(j[0][1] == -s1 * s2);
    REQUIRE(j[1][0] == -s1 * s2);
    REQUIRE(j[2][1] == -s2 * s3);
    // a scalar is one row
    REQUIRE(jacobian(s1, v).size() == 1);
}

TEST_CASE("hessian: symmetric second derivatives", "[hessian]") {
    Fixture t;
    Expr f = pow(t.x, t.n(3)) + t.n(2) * t.x * t.y + t.sq(t.y) + t.f(Op::Sin, t.x * t.y);
    const Expr v[] = {t.x, t.y};
    auto h = hessian(f, v);
    REQUIRE(h[0][1] == h[1][0]);
    REQUIRE(h[0][0] == diff(f, t.x, 2));
    REQUIRE(h[1][1] == diff(f, t.y, 2));
    // saddle x^2 - y^2: diag(2, -2)
    auto s = hessian(t.sq(t.x) - t.sq(t.y), v);
    REQUIRE(s[0][0] == t.n(2));
    REQUIRE(s[1][1] == t.n(-2));
    REQUIRE(s[0][1] == t.n(0));
}

TEST_CASE("directional: gradient dotted with the unit direction", "[directional]") {
    Fixture t;
    Expr f = t.sq(t.x) + t.sq(t.y);
    const Expr v[] = {t.x, t.y};
    const Expr d11[] = {t.n(1), t.n(1)};
    // (2x + 2y)/sqrt(2)
    REQUIRE(directional_derivative(f, v, d11) == (t.n(2) * t.x + t.n(2) * t.y) * pow(t.n(2), t.q(-1, 2)));
    const Expr d34[] = {t.n(3), t.n(4)};
    REQUIRE(directional_derivative(f, v, d34) == (t.n(6) * t.x + t.n(8) * t.y) * t.q(1, 5));
    const Expr d0[] = {t.n(0), t.n(0)};
    REQUIRE_THROWS_AS(directional_derivative(f, v, d0), Error);
    const Expr d1[] = {t.n(1)};
    REQUIRE_THROWS_AS(directional_derivative(f, v, d1), Error);
}
