// Softmax and log-sum-exp written as sums over an index or over data rows (issue 15, item 4;
// docs/reductions.md "Numerically stable forms"): at logits of magnitude 1000, where the
// written forms are inf, inf/inf and ln(inf), every evaluator gives the long-double value of
// the shifted form, and the gradients too. The LoopInterpreter and the LoopKernel (O0 and O3)
// agree bit for bit, evaluate() agrees with the LoopInterpreter, and at moderate points the
// gradients match central differences.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/print.hpp"
#include "symdiff/simplify.hpp"

using namespace symdiff;

namespace {

bool same_bits(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::memcmp(&a, &b, sizeof a) == 0;
}

// What one evaluator gives for the outputs: the scalar outputs, then each vector output.
struct Result {
    std::vector<double> scalars;
    std::vector<std::vector<double>> vectors;
};

struct Inputs {
    std::vector<double> scalars;
    std::vector<std::vector<double>> vectors;
};

template <class E>
Result run(const E& e, const Inputs& in) {
    std::vector<const double*> bases;
    std::vector<std::int64_t> lengths;
    for (const auto& v : in.vectors) {
        bases.push_back(v.data());
        lengths.push_back(static_cast<std::int64_t>(v.size()));
    }
    LoopArgs args{in.scalars.data(), bases.data(), lengths.data(), nullptr, nullptr};
    Result r;
    r.scalars.assign(e.scalar_outputs(), -7.0);
    for (std::size_t n : e.vector_lengths(args)) r.vectors.emplace_back(n, -7.0);
    std::vector<double*> vout;
    for (auto& v : r.vectors) vout.push_back(v.data());
    args.out = r.scalars.data();
    args.vector_out = vout.data();
    if constexpr (std::is_same_v<E, LoopKernel>) e(args);
    else e.run(args);
    return r;
}

// The LoopInterpreter's result, after checking that the LoopKernel at O0 and O3 gives the same
// bits.
Result evaluate_all(std::span<const Expr> outputs, const Signature& sig, const Inputs& in) {
    LoopInterpreter li(outputs, sig);
    Result ref = run(li, in);
    for (int level : {0, 3}) {
        LoopKernel k = compile_loops(outputs, sig, JitOptions{.opt_level = level});
        Result got = run(k, in);
        INFO("LoopKernel at O" << level);
        for (std::size_t i = 0; i < ref.scalars.size(); ++i) {
            INFO("output " << i << ": " << to_string(outputs[i]) << " = " << ref.scalars[i] << " vs " << got.scalars[i]);
            CHECK(same_bits(ref.scalars[i], got.scalars[i]));
        }
        REQUIRE(got.vectors.size() == ref.vectors.size());
        for (std::size_t v = 0; v < ref.vectors.size(); ++v)
            for (std::size_t k2 = 0; k2 < ref.vectors[v].size(); ++k2) {
                INFO("vector output " << v << " element " << k2 + 1);
                CHECK(same_bits(ref.vectors[v][k2], got.vectors[v][k2]));
            }
    }
    return ref;
}

using LD = long double;

// Shifted references in long double: the softmax p and log-sum-exp of a.
struct Softmax {
    std::vector<LD> p;
    LD lse = 0;
};

Softmax softmax(const std::vector<double>& a) {
    LD m = a[0];
    for (double v : a) m = std::max(m, static_cast<LD>(v));
    LD s = 0;
    for (double v : a) s += std::exp(static_cast<LD>(v) - m);
    Softmax r;
    for (double v : a) r.p.push_back(std::exp(static_cast<LD>(v) - m) / s);
    r.lse = m + std::log(s);
    return r;
}

// |got - want| within tol times the scale, never nan or inf.
void close(double got, LD want, double tol, double scale, const std::string& what) {
    INFO(what << ": got " << got << ", want " << static_cast<double>(want));
    REQUIRE(std::isfinite(got));
    CHECK(std::fabs(static_cast<LD>(got) - want) <= tol * scale);
}

// Logits of magnitude up to about 1000: a common offset and a spread, both drawn.
std::vector<double> logits(std::mt19937_64& rng, std::size_t n) {
    const double offsets[] = {1000, -1000, 0, 700, -745, 1000.5};
    const double spreads[] = {0.5, 3, 50, 1000, 2000};
    std::uniform_real_distribution<double> u(-1, 1);
    const double base = offsets[rng() % 6], spread = spreads[rng() % 5];
    std::vector<double> x(n);
    for (double& v : x) v = base + spread * u(rng);
    if (rng() % 4 == 0) x[rng() % n] = base; // ties of the maximum now and then
    if (rng() % 4 == 0) x.back() = x.front();
    return x;
}

struct Softmaxes {
    Context ctx;
    Expr x = ctx.symbol("x"), n = ctx.symbol("n"), i = ctx.symbol("i"), a = ctx.symbol("a");
    Expr s = ctx.sum(i, ctx.integer(1), n, ctx.call(Op::Exp, {ctx.at(x, i)}));
    Expr lse = ctx.call(Op::Log, {s});
    Expr p1 = ctx.call(Op::Exp, {ctx.at(x, ctx.integer(1))}) / s;
    Expr pn = ctx.call(Op::Exp, {ctx.at(x, n)}) / s;
    Expr ce = -ctx.call(Op::Log, {p1}); // cross-entropy of class 1
    Signature sig{{n}, {x}};
};

} // namespace

TEST_CASE("indexed softmax, log-sum-exp, cross-entropy and their gradients at logits of magnitude 1000") {
    Softmaxes f;
    // The cross-entropy's gradient simplified, as the CLI prints and evaluates it: unsimplified
    // it holds -exp(x[1])*exp(-x[1]), which is inf*0 at x[1] = 1000 with or without sums.
    const std::vector<Expr> outputs = {f.lse, f.p1, f.pn, f.ce, vector_gradient(f.lse, f.x),
                                       vector_gradient(f.p1, f.x), simplify(vector_gradient(f.ce, f.x))};
    std::mt19937_64 rng(15004);
    const std::size_t sizes[] = {1, 2, 3, 4, 5, 7, 9, 33};
    for (int trial = 0; trial < 120; ++trial) {
        const std::size_t n = sizes[rng() % 8];
        const std::vector<double> x = logits(rng, n);
        std::string at;
        for (double v : x) at += std::to_string(v) + " ";
        INFO("x = [" << at << "]");
        Result r = evaluate_all(outputs, f.sig, Inputs{{static_cast<double>(n)}, {x}});
        const Softmax ref = softmax(x);
        const double big = std::max(1.0, std::fabs(static_cast<double>(ref.lse)));
        close(r.scalars[0], ref.lse, 1e-15, big, "ln(sum(exp(x[i])))");
        close(r.scalars[1], ref.p[0], 1e-12, 1, "softmax 1");
        close(r.scalars[2], ref.p[n - 1], 1e-12, 1, "softmax n");
        close(r.scalars[3], ref.lse - x[0], 1e-15, big + std::fabs(x[0]), "cross-entropy");
        REQUIRE(r.vectors.size() == 3);
        for (std::size_t k = 0; k < n; ++k) {
            const LD delta = k == 0 ? 1 : 0;
            close(r.vectors[0][k], ref.p[k], 1e-12, 1, "d lse/d x[" + std::to_string(k + 1) + "]");
            close(r.vectors[1][k], ref.p[0] * (delta - ref.p[k]), 1e-12, 1, "d softmax/d x[" + std::to_string(k + 1) + "]");
            close(r.vectors[2][k], ref.p[k] - delta, 1e-12, 1, "d ce/d x[" + std::to_string(k + 1) + "]");
        }
    }
}

TEST_CASE("the issue's softmax: exp(x[1])/sum(i = 1..n, exp(x[i])) at x = [1000, 1, 2] is 1") {
    Softmaxes f;
    const Expr outputs[] = {f.p1, f.lse};
    Result r = evaluate_all(outputs, f.sig, Inputs{{3}, {{1000, 1, 2}}});
    CHECK(r.scalars[0] == 1.0);
    CHECK(r.scalars[1] == 1000.0); // 1000 + ln(1 + e^-999 + e^-998) rounds to 1000
}

TEST_CASE("the derivative by a scalar of a log-sum-exp over an index is finite at large scale") {
    // d/da ln(sum(i, exp(a*x[i]))) = sum(i, x[i]*exp(a*x[i]))/sum(i, exp(a*x[i])): inf/inf
    // unless the numerator's terms are shifted with the denominator.
    Softmaxes f;
    const Expr g = f.ctx.call(Op::Log, {f.ctx.sum(f.i, f.ctx.integer(1), f.n,
                                                  f.ctx.call(Op::Exp, {f.a * f.ctx.at(f.x, f.i)}))});
    const Expr outputs[] = {g, diff(g, f.a)};
    const Signature sig{{f.n, f.a}, {f.x}};
    std::mt19937_64 rng(4);
    std::uniform_real_distribution<double> u(-3, 3);
    for (double a : {1000.0, -1000.0, 500.0, 0.25}) {
        for (std::size_t n : {1u, 2u, 6u, 11u}) {
            std::vector<double> x(n);
            for (double& v : x) v = u(rng);
            std::vector<double> ax;
            for (double v : x) ax.push_back(a * v);
            INFO("a = " << a << ", n = " << n);
            Result r = evaluate_all(outputs, sig, Inputs{{static_cast<double>(n), a}, {x}});
            const Softmax ref = softmax(ax);
            LD mean = 0;
            for (std::size_t k = 0; k < n; ++k) mean += ref.p[k] * x[k];
            close(r.scalars[0], ref.lse, 1e-13, std::max(1.0, std::fabs(static_cast<double>(ref.lse))), "value");
            close(r.scalars[1], mean, 1e-12, 3, "derivative by a");
        }
    }
}

TEST_CASE("log-sum-exp over data rows and its derivative are finite at large logits") {
    Context ctx;
    Expr z = ctx.symbol("z"), w = ctx.symbol("w");
    Expr e = ctx.call(Op::Exp, {w * z});
    Expr sum_rows = ctx.call(Op::Log, {ctx.row_sum(e)});
    Expr mean_rows = ctx.call(Op::Log, {ctx.row_mean(e)});
    // Cross-entropy of the first row's class against all rows' logits.
    const Expr outputs[] = {sum_rows, mean_rows, diff(sum_rows, w), diff(mean_rows, w)};
    const Signature sig{{w}, {z}};
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 40; ++trial) {
        const std::size_t n = 1 + rng() % 40;
        std::vector<double> col = logits(rng, n);
        const double wv = (trial % 3 == 0) ? -1.0 : 1.0;
        std::vector<double> wz;
        for (double v : col) wz.push_back(wv * v);
        INFO("trial " << trial << ", rows " << n);
        Result r = evaluate_all(outputs, sig, Inputs{{wv}, {col}});
        const Softmax ref = softmax(wz);
        const double big = std::max(1.0, std::fabs(static_cast<double>(ref.lse)));
        close(r.scalars[0], ref.lse, 1e-15, big, "ln(sum(exp(w*z)))");
        close(r.scalars[1], ref.lse - std::log(static_cast<LD>(n)), 1e-15, big, "ln(mean(exp(w*z)))");
        LD mean = 0, scale = 1;
        for (std::size_t k = 0; k < n; ++k) mean += ref.p[k] * col[k], scale = std::max<LD>(scale, std::fabs(col[k]));
        close(r.scalars[2], mean, 1e-12, static_cast<double>(scale), "d/dw of the sum");
        close(r.scalars[3], mean, 1e-12, static_cast<double>(scale), "d/dw of the mean");
    }
}

TEST_CASE("evaluate() shifts a sum of exponentials over a constant range as the LoopInterpreter does") {
    Context ctx;
    Expr a = ctx.symbol("a"), i = ctx.symbol("i");
    Expr s = ctx.sum(i, ctx.integer(1), ctx.integer(5), ctx.call(Op::Exp, {a * i}));
    Expr lse = ctx.call(Op::Log, {s});
    Expr top = ctx.call(Op::Exp, {ctx.integer(5) * a}) / s;
    for (double av : {1000.0, -1000.0, 300.0, 1e-3}) {
        std::vector<double> terms;
        for (int k = 1; k <= 5; ++k) terms.push_back(av * k);
        const Softmax ref = softmax(terms);
        const Expr outputs[] = {lse, top};
        Result r = evaluate_all(outputs, Signature{{a}, {}}, Inputs{{av}, {}});
        INFO("a = " << av);
        CHECK(same_bits(evaluate(lse, {{"a", av}}), r.scalars[0]));
        CHECK(same_bits(evaluate(top, {{"a", av}}), r.scalars[1]));
        close(r.scalars[0], ref.lse, 1e-15, std::max(1.0, std::fabs(static_cast<double>(ref.lse))), "lse");
        close(r.scalars[1], ref.p[4], 1e-12, 1, "softmax");
    }
}

TEST_CASE("indexed softmax and log-sum-exp gradients match central differences at moderate points") {
    Softmaxes f;
    const Expr values[] = {f.lse, f.p1, f.pn, f.ce};
    std::vector<Expr> grads;
    for (Expr v : values) grads.push_back(vector_gradient(v, f.x));
    LoopInterpreter value(values, f.sig);
    std::mt19937_64 rng(21);
    std::uniform_real_distribution<double> u(-3, 3);
    for (std::size_t n : {1u, 2u, 3u, 6u, 10u}) {
        std::vector<double> x(n);
        for (double& v : x) v = u(rng);
        Result g = evaluate_all(grads, f.sig, Inputs{{static_cast<double>(n)}, {x}});
        const double h = 1e-6;
        for (std::size_t k = 0; k < n; ++k) {
            std::vector<double> up = x, down = x;
            up[k] += h;
            down[k] -= h;
            Result hi = run(value, Inputs{{static_cast<double>(n)}, {up}});
            Result lo = run(value, Inputs{{static_cast<double>(n)}, {down}});
            for (std::size_t o = 0; o < 4; ++o) {
                const double fd = (hi.scalars[o] - lo.scalars[o]) / (2 * h);
                INFO("output " << to_string(values[o]) << ", n = " << n << ", k = " << k + 1);
                CHECK(std::fabs(g.vectors[o][k] - fd) <= 1e-7 * std::max(1.0, std::fabs(fd)));
            }
        }
    }
}
