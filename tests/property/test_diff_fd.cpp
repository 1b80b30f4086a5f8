// Property: every first and second partial derivative of random expressions agrees with
// Richardson-extrapolated central differences at random points where the function is smooth,
// and reverse mode (gradient) agrees with forward mode (diff) in value.
//
// The seed is fixed unless SYMDIFF_TEST_SEED gives one; it is printed, so a failure reproduces
// with `SYMDIFF_TEST_SEED=<seed> property_test_diff_fd`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

namespace {

std::uint64_t run_seed() {
    const char* env = std::getenv("SYMDIFF_TEST_SEED");
    return env ? std::strtoull(env, nullptr, 0) : 0x5eedd1ffULL;
}

// Evaluates output k of an interpreter at a point.
struct Tape {
    Interpreter interp;
    std::vector<double> out;
    Tape(std::span<const Expr> outputs, std::span<const Expr> inputs) : interp(outputs, inputs), out(outputs.size()) {}
    double operator()(std::size_t k, const std::array<double, 3>& p) {
        interp.run(p.data(), out.data());
        return out[k];
    }
};

struct Estimate {
    double value;
    bool trusted;
    double noise; // rounding scale: max |f| near the point over the step
};

// d/dp_j of output k by central differences, Richardson-extrapolated (error O(h^4)), at two
// step sizes: the estimate is trusted only if both agree, which fails near kinks, poles and
// where rounding dominates (the point is then skipped, not failed).
Estimate finite_difference(Tape& t, std::size_t k, std::array<double, 3> p, std::size_t j) {
    auto central = [&](double h) {
        std::array<double, 3> a = p, b = p;
        a[j] += h;
        b[j] -= h;
        double fa = t(k, a), fb = t(k, b);
        return std::array<double, 3>{(fa - fb) / (2 * h), std::fabs(fa), std::fabs(fb)};
    };
    auto richardson = [&](double h, double& noise) {
        auto d1 = central(h), d2 = central(h / 2);
        noise = std::max({noise, d1[1], d1[2], d2[1], d2[2]});
        return (4 * d2[0] - d1[0]) / 3;
    };
    const double h = 1e-3 * std::max(1.0, std::fabs(p[j]));
    double noise = std::fabs(t(k, p));
    double r1 = richardson(h, noise), r2 = richardson(h / 4, noise);
    bool ok = std::isfinite(r1) && std::isfinite(r2) && std::isfinite(noise) &&
              std::fabs(r1 - r2) <= 1e-6 * std::max(1.0, std::fabs(r2)) + 1e-11 * noise / h;
    return {r2, ok, noise / h};
}

// The analytic value a against a trusted estimate e: relative 1e-6 plus the rounding floor of
// the differences (1e-10 of |f|/h).
bool agrees(double a, const Estimate& e) {
    return std::fabs(a - e.value) <= 1e-6 * std::max(1.0, std::fabs(a)) + 1e-10 * e.noise;
}

struct Tally {
    int expressions = 0, first = 0, second = 0, skipped = 0, reverse = 0;
};

void check_expression(Expr f, const std::vector<Expr>& vars, testing::RandomExpr& gen, Tally& tally) {
    const std::size_t n = vars.size();
    std::vector<Expr> outs{f};
    std::vector<Expr> d1(n), g = gradient(f, vars);
    for (std::size_t i = 0; i < n; ++i) outs.push_back(d1[i] = diff(f, vars[i]));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) outs.push_back(diff(d1[i], vars[j]));
    for (std::size_t i = 0; i < n; ++i) outs.push_back(g[i]);
    Tape t(outs, vars);
    ++tally.expressions;
    for (int trial = 0; trial < 3; ++trial) {
        std::array<double, 3> p{gen.uniform(-2, 2), gen.uniform(-2, 2), gen.uniform(-2, 2)};
        if (!std::isfinite(t(0, p))) continue;
        for (std::size_t i = 0; i < n; ++i) {
            double a = t(1 + i, p);
            INFO("f = " << to_string(f) << "\n  at (" << p[0] << ", " << p[1] << ", " << p[2] << ")");
            INFO("d/d" << vars[i].name() << " = " << to_string(d1[i]));
            // reverse mode equals forward mode wherever both are finite
            double r = t(1 + n + n * n + i, p);
            if (std::isfinite(a) && std::isfinite(r)) {
                REQUIRE(std::fabs(a - r) <= 1e-9 * std::max(1.0, std::fabs(a)));
                ++tally.reverse;
            }
            if (!std::isfinite(a)) continue;
            Estimate e = finite_difference(t, 0, p, i);
            if (!e.trusted) {
                ++tally.skipped;
                continue;
            }
            INFO("finite difference " << e.value << ", analytic " << a);
            REQUIRE(agrees(a, e));
            ++tally.first;
            for (std::size_t j = 0; j < n; ++j) {
                double a2 = t(1 + n + i * n + j, p);
                if (!std::isfinite(a2)) continue;
                Estimate e2 = finite_difference(t, 1 + i, p, j);
                if (!e2.trusted) {
                    ++tally.skipped;
                    continue;
                }
                INFO("d2/d" << vars[i].name() << "d" << vars[j].name() << ": finite difference " << e2.value
                            << ", analytic " << a2);
                REQUIRE(agrees(a2, e2));
                ++tally.second;
            }
        }
    }
}

} // namespace

TEST_CASE("diff: partials and second partials of random expressions match finite differences", "[property][diff]") {
    const std::uint64_t seed = run_seed();
    std::printf("test_diff_fd seed %llu\n", static_cast<unsigned long long>(seed));
    Tally tally;
    for (int round = 0; round < 2; ++round) {
        // Round 0: smooth expressions over every smooth function, in domain-safe forms.
        // Round 1: every built-in function (abs, sign, heaviside, relu, max, min too); their
        // kinks are where the two difference estimates disagree, and those points are skipped.
        Context ctx;
        testing::RandomExprOptions opt;
        opt.smooth = round == 0;
        if (round == 1) opt.constants = testing::kIntegers | testing::kRationals | testing::kNegative;
        std::vector<Expr> vars;
        for (const auto& v : opt.variables) vars.push_back(ctx.symbol(v));
        for (int i = 0; i < 1100; ++i) {
            opt.max_depth = 1 + i % 6;
            testing::RandomExpr gen(ctx, seed * 7919 + static_cast<std::uint64_t>(round * 100000 + i), opt);
            Expr f = gen.next();
            INFO("seed " << seed << " round " << round << " expression " << i);
            check_expression(f, vars, gen, tally);
        }
    }
    std::printf("test_diff_fd: %d expressions, %d first and %d second partials checked, %d skipped, %d reverse-mode checks\n",
                tally.expressions, tally.first, tally.second, tally.skipped, tally.reverse);
    REQUIRE(tally.expressions >= 2000);
    // Most points are smooth: the skips must not hollow the test out.
    REQUIRE(tally.first > 4 * tally.expressions);
    REQUIRE(tally.second > 4 * tally.expressions);
}
