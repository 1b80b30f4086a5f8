// Gradients of chains 100,000 levels deep (issue 16, item 10) against central differences.
// Reverse mode once made every adjoint down a chain a flat product one factor longer than the
// one above it: quadratic, minutes and gigabytes at this depth. tests/diff_chains.cmake gives
// this test a ctest TIMEOUT, so a quadratic sweep fails here rather than hanging the suite;
// the speed itself is measured by bench/bench_chain_gradient.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"

using namespace symdiff;

namespace {

constexpr int kDepth = 100000;

// The central difference of f by `var` at `at`, step h.
double central(Expr f, const Bindings& at, const std::string& var, double h) {
    Bindings lo = at, hi = at;
    lo[var] -= h;
    hi[var] += h;
    return (evaluate(f, hi) - evaluate(f, lo)) / (2 * h);
}

// The gradient of f by vars at `at` agrees with central differences to a relative 1e-6.
void check_gradient(Expr f, const std::vector<Expr>& vars, const Bindings& at) {
    REQUIRE(f.height() >= kDepth);
    const std::vector<Expr> g = gradient(f, vars);
    REQUIRE(g.size() == vars.size());
    for (std::size_t i = 0; i < vars.size(); ++i) {
        const double symbolic = evaluate(g[i], at);
        const double numeric = central(f, at, vars[i].name(), 1e-5);
        INFO("d/d" << vars[i].name() << ": symbolic " << symbolic << ", central difference " << numeric);
        REQUIRE(std::isfinite(symbolic));
        REQUIRE(std::abs(symbolic - numeric) <= 1e-6 * std::max(1.0, std::abs(numeric)));
    }
}

} // namespace

TEST_CASE("gradient: a sin(... + x) chain 100,000 deep", "[gradient][deep]") {
    Context c;
    const Expr x = c.symbol("x");
    Expr f = x;
    for (int k = 0; k < kDepth; ++k) f = c.call(Op::Sin, {c.add({f, x})});
    check_gradient(f, {x}, {{"x", 0.3}});
}

TEST_CASE("gradient: the tower x^x^...^x 100,000 high", "[gradient][deep]") {
    Context c;
    const Expr x = c.symbol("x");
    Expr f = x;
    for (int k = 1; k < kDepth; ++k) f = c.pow(x, f);
    // below e^(1/e) the tower converges (to 1.2577... at x = 1.2), and so does its derivative
    check_gradient(f, {x}, {{"x", 1.2}});
}

TEST_CASE("gradient: a chain whose every level is used twice, in two variables", "[gradient][deep]") {
    // u -> y*(sin(u + x) + cos(u))/3: every level reaches the one below by two paths, so the
    // adjoints meet at each level, and both x and y collect one term a level.
    Context c;
    const Expr x = c.symbol("x"), y = c.symbol("y");
    Expr f = x;
    for (int k = 0; k < kDepth; ++k)
        f = c.mul({c.rational(1, 3), y, c.add({c.call(Op::Sin, {c.add({f, x})}), c.call(Op::Cos, {f})})});
    check_gradient(f, {x, y}, {{"x", 0.4}, {"y", 0.9}});
}

TEST_CASE("gradient: a chain of exp, powers, products and sums", "[gradient][deep]") {
    // u -> exp(-u^2/2)*x + u/2 mixes products, powers and sums along the chain
    Context c;
    const Expr x = c.symbol("x");
    Expr f = x;
    for (int k = 0; k < kDepth; ++k)
        f = c.add({c.mul({c.call(Op::Exp, {c.mul({c.rational(-1, 2), c.pow(f, c.integer(2))})}), x}), c.mul({c.rational(1, 2), f})});
    check_gradient(f, {x}, {{"x", 0.7}});
}
