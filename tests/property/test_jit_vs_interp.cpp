// Property: JIT-compiled kernels give exactly the reference Interpreter's numbers, value and
// gradient, over thousands of random expressions at every optimisation level.
//
// Compiling one kernel per expression would spend the run in LLVM, so expressions go in
// batches: one kernel (and one Interpreter) computes [e, ∂e/∂x, ∂e/∂y, ∂e/∂z] for every
// expression of a batch. The comparison is on bit patterns, any nan matching any nan (LLVM may
// turn (-1)*x into -x, which flips the sign bit of a nan; IEEE leaves a nan's sign unspecified).
//
// No function needs an exception: the JIT calls the very libm functions the Interpreter calls,
// marked nobuiltin so that LLVM neither constant-folds them nor rewrites them into other
// functions. (Without that, pow(2, x) becomes exp2(x) and sin(2) is folded at compile time,
// both of which can differ from glibc in the last bit.)
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

namespace {

bool same(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

struct Batch {
    std::vector<Expr> exprs;   // the random expressions
    std::vector<Expr> outputs; // per expression: e, then its gradient (if it has one)
    std::vector<std::size_t> first; // index of each expression's first output
};

// The points every batch is checked at: random ones, and the special values where the
// branches of sign, relu, max, sigmoid ... switch.
std::vector<std::vector<double>> points(testing::RandomExpr& gen, const std::vector<Expr>& vars) {
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<std::vector<double>> pts{{0.0, -0.0, 1.0}, {-1.0, 0.5, -0.0}, {inf, -2.0, 1e-300}, {-inf, 3.0, 0.25}};
    for (int i = 0; i < 6; ++i) {
        Bindings b = gen.point(-3, 3);
        std::vector<double> p;
        for (Expr v : vars) p.push_back(b.count(v.name()) ? b.at(v.name()) : 0.0);
        pts.push_back(p);
    }
    return pts;
}

// Runs `count` random expressions from `seed` through JIT and Interpreter at O0..O3.
void check_random(std::uint64_t seed, int count, testing::RandomExprOptions options, int per_batch) {
    Context ctx;
    testing::RandomExpr gen(ctx, seed, options);
    std::vector<Expr> vars;
    for (const auto& name : options.variables) vars.push_back(ctx.symbol(name));
    int checked = 0, gradients = 0;
    std::size_t compared = 0, outputs = 0;
    while (checked < count) {
        Batch batch;
        for (int i = 0; i < per_batch && checked < count; ++i, ++checked) {
            Expr e = gen.next();
            batch.first.push_back(batch.outputs.size());
            batch.exprs.push_back(e);
            batch.outputs.push_back(e);
            std::vector<Expr> g = gradient(e, vars);
            batch.outputs.insert(batch.outputs.end(), g.begin(), g.end());
            ++gradients;
        }
        outputs += batch.outputs.size();
        Interpreter interp(batch.outputs, vars);
        std::vector<std::vector<double>> pts = points(gen, vars);
        std::vector<std::vector<double>> expected;
        for (const auto& p : pts) {
            expected.emplace_back(batch.outputs.size());
            interp.run(p.data(), expected.back().data());
        }
        for (int level = 0; level <= 3; ++level) {
            CompiledFunction k = compile(batch.outputs, vars, JitOptions{.opt_level = level});
            std::vector<double> got(batch.outputs.size());
            for (std::size_t pi = 0; pi < pts.size(); ++pi) {
                k(pts[pi].data(), got.data());
                for (std::size_t e = 0; e < batch.exprs.size(); ++e) {
                    std::size_t end = e + 1 < batch.first.size() ? batch.first[e + 1] : batch.outputs.size();
                    for (std::size_t o = batch.first[e]; o < end; ++o) {
                        ++compared;
                        if (same(got[o], expected[pi][o])) continue;
                        INFO("seed " << seed << ", O" << level << ", point (" << pts[pi][0] << ", " << pts[pi][1]
                                     << ", " << pts[pi][2] << ")");
                        INFO("expression " << to_string(batch.exprs[e]));
                        INFO("output " << (o - batch.first[e]) << " (0 = value, i = d/dvar i): "
                                       << to_string(batch.outputs[o]));
                        CHECK(got[o] == expected[pi][o]);
                    }
                }
            }
            // The batch form runs the same code over rows.
            std::vector<double> rows, all(pts.size() * batch.outputs.size());
            for (const auto& p : pts) rows.insert(rows.end(), p.begin(), p.end());
            k(rows.data(), pts.size(), all.data());
            for (std::size_t pi = 0; pi < pts.size(); ++pi)
                for (std::size_t o = 0; o < batch.outputs.size(); ++o)
                    if (!same(all[pi * batch.outputs.size() + o], expected[pi][o])) {
                        INFO("batch form, seed " << seed << ", O" << level << ", row " << pi << ", output " << o);
                        CHECK(all[pi * batch.outputs.size() + o] == expected[pi][o]);
                    }
        }
    }
    CHECK(gradients == count);
    // Every output (value and each partial) at every point and level was compared.
    CHECK(compared == outputs * 10 * 4);
}

} // namespace

TEST_CASE("jit vs interpreter: 2,000 random expressions with every op, value and gradient", "[jit][property]") {
    testing::RandomExprOptions options;
    options.max_depth = 4;
    check_random(20260422, 2000, options, 100);
}

TEST_CASE("jit vs interpreter: random expressions with inf and nan constants", "[jit][property]") {
    testing::RandomExprOptions options;
    options.max_depth = 3;
    options.constants = testing::kAllConstants;
    check_random(7, 300, options, 100);
}

TEST_CASE("jit vs interpreter: smooth expressions (the derivative-test family)", "[jit][property]") {
    testing::RandomExprOptions options;
    options.max_depth = 5;
    options.smooth = true;
    check_random(99, 300, options, 50);
}
