// Property: derivatives through reductions agree with central differences of the function,
// both evaluated by the LoopInterpreter (the reference semantics of docs/reductions.md), at
// random points and sizes: by a parameter through sums and means (forward and reverse mode),
// by a vector in gather form (vector_gradient), and the band of the Hessian (banded_hessian)
// against differences of the gradient. Bodies are random smooth expressions in a parameter
// a and two neighbouring elements x[i], x[i+1] (or two data columns u, v).
//
// The seed is fixed unless SYMDIFF_TEST_SEED gives one; it is printed, so a failure reproduces
// with `SYMDIFF_TEST_SEED=<seed> property_test_diff_reductions_fd`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/print.hpp"
#include "symdiff/simplify.hpp"

using namespace symdiff;

namespace {

std::uint64_t run_seed() {
    const char* env = std::getenv("SYMDIFF_TEST_SEED");
    return env ? std::strtoull(env, nullptr, 0) : 0x5eedba5dULL;
}

// Scalar and vector outputs of a LoopInterpreter at one input: scalars in signature order,
// one array per signature vector.
struct Loops {
    LoopInterpreter li;
    std::vector<double> out;
    std::vector<std::vector<double>> vec_out;

    Loops(std::span<const Expr> outputs, const Signature& sig) : li(outputs, sig), out(li.scalar_outputs()) {}

    void run(const std::vector<double>& scalars, const std::vector<std::vector<double>>& vectors) {
        std::vector<const double*> bases;
        std::vector<std::int64_t> lengths;
        for (const auto& v : vectors) {
            bases.push_back(v.data());
            lengths.push_back(static_cast<std::int64_t>(v.size()));
        }
        LoopArgs args;
        args.scalars = scalars.data();
        args.vectors = bases.data();
        args.lengths = lengths.data();
        args.out = out.data();
        std::vector<std::size_t> sizes = li.vector_lengths(args);
        vec_out.assign(sizes.size(), {});
        std::vector<double*> outs;
        for (std::size_t j = 0; j < sizes.size(); ++j) {
            vec_out[j].assign(sizes[j], 0.0);
            outs.push_back(vec_out[j].data());
        }
        args.vector_out = outs.data();
        li.run(args);
    }
};

// d/dt of g(t) at t = 0 by Richardson-extrapolated central differences at two step sizes,
// trusted only where both agree (not near a pole or where rounding dominates).
struct Estimate {
    double value;
    bool trusted;
    double noise;
};

Estimate derivative(const std::function<double(double)>& g, double scale) {
    auto central = [&](double h, double& noise) {
        double a = g(h), b = g(-h);
        noise = std::max({noise, std::fabs(a), std::fabs(b)});
        return (a - b) / (2 * h);
    };
    auto richardson = [&](double h, double& noise) { return (4 * central(h / 2, noise) - central(h, noise)) / 3; };
    const double h = 1e-3 * std::max(1.0, scale);
    double noise = std::fabs(g(0));
    double r1 = richardson(h, noise), r2 = richardson(h / 4, noise);
    bool ok = std::isfinite(r1) && std::isfinite(r2) && std::isfinite(noise) &&
              std::fabs(r1 - r2) <= 1e-6 * std::max(1.0, std::fabs(r2)) + 1e-11 * noise / h;
    return {r2, ok, noise / h};
}

bool agrees(double a, const Estimate& e) {
    return std::fabs(a - e.value) <= 1e-6 * std::max(1.0, std::fabs(a)) + 1e-10 * e.noise;
}

struct Tally {
    int bodies = 0, by_parameter = 0, by_vector = 0, hessian = 0, rows = 0, skipped = 0, reverse = 0;
};

struct Symbols {
    Context& c;
    Expr a = c.symbol("a"), u = c.symbol("u"), v = c.symbol("v");
    Expr x = c.symbol("x"), n = c.symbol("n"), i = c.symbol("i");
};

// f = sum(i = 1..n-1, body(a, x[i], x[i+1])) and, with the sum's value used outside it,
// f2 = a*ln(1 + f^2): their derivatives by a and by x against differences.
void check_sum(Symbols& s, Expr body, std::mt19937_64& rng, Tally& tally) {
    Context& c = s.c;
    Expr one = c.integer(1);
    const std::pair<Expr, Expr> rep[] = {{s.u, c.at(s.x, s.i)}, {s.v, c.at(s.x, s.i + one)}};
    Expr f = c.sum(s.i, one, s.n - one, substitute(body, rep));
    Expr f2 = s.a * c.call(Op::Log, {one + pow(f, c.integer(2))});
    const Expr va[] = {s.a};
    std::uniform_real_distribution<double> d(-1.5, 1.5);
    std::uniform_int_distribution<int> size(2, 7);
    for (Expr e : {f, f2}) {
        Expr da = diff(e, s.a), ra = gradient(e, va)[0], gx = vector_gradient(e, s.x);
        const bool banded = e == f;
        BandedHessian h = banded ? banded_hessian(e, s.x) : BandedHessian{};
        std::vector<Expr> outs{e, da, ra, gx};
        Loops L(outs, Signature{{s.a, s.n}, {s.x}});
        // The band in an interpreter of its own: a diagonal can be the very node of the
        // gradient (d/dx[k] exp(x[k]) is exp(x[k])), and one output is enough for each.
        std::optional<Loops> B;
        if (banded) B.emplace(h.diagonals, Signature{{s.a, s.n}, {s.x}});
        for (int trial = 0; trial < 2; ++trial) {
            const int n = size(rng);
            std::vector<double> xs(static_cast<std::size_t>(n));
            for (double& xv : xs) xv = d(rng);
            const double av = d(rng);
            L.run({av, double(n)}, {xs});
            if (!std::isfinite(L.out[0])) continue;
            const double analytic = L.out[1], reverse = L.out[2];
            const std::vector<double> grad = L.vec_out[0];
            std::vector<std::vector<double>> band;
            if (B) {
                B->run({av, double(n)}, {xs});
                band = B->vec_out;
            }
            INFO("f = " << to_string(e) << "\n  n = " << n << ", a = " << av);
            if (std::isfinite(analytic) && std::isfinite(reverse)) {
                REQUIRE(std::fabs(analytic - reverse) <= 1e-9 * std::max(1.0, std::fabs(analytic)));
                ++tally.reverse;
            }
            auto value_at = [&](double ta, std::size_t j, double tx, std::size_t out) {
                std::vector<double> p = xs;
                if (j < p.size()) p[j] += tx;
                L.run({av + ta, double(n)}, {p});
                return out == 0 ? L.out[0] : L.vec_out[0][out - 1];
            };
            Estimate ea = derivative([&](double t) { return value_at(t, xs.size(), 0, 0); }, av);
            if (ea.trusted && std::isfinite(analytic)) {
                INFO("d/da = " << to_string(da) << ": " << analytic << " vs " << ea.value);
                REQUIRE(agrees(analytic, ea));
                ++tally.by_parameter;
            } else {
                ++tally.skipped;
            }
            REQUIRE(grad.size() == xs.size());
            for (std::size_t j = 0; j < xs.size(); ++j) {
                Estimate ex = derivative([&](double t) { return value_at(0, j, t, 0); }, xs[j]);
                if (!ex.trusted || !std::isfinite(grad[j])) {
                    ++tally.skipped;
                    continue;
                }
                INFO("d/dx = " << to_string(gx) << "\n  element " << j + 1 << ": " << grad[j] << " vs " << ex.value);
                REQUIRE(agrees(grad[j], ex));
                ++tally.by_vector;
                // the band of row j: d/dx[j+d] of gradient element j
                for (std::size_t dd = 0; banded && dd < band.size() && j + dd < xs.size(); ++dd) {
                    REQUIRE(band[dd].size() == xs.size() - dd);
                    Estimate eh = derivative([&](double t) { return value_at(0, j + dd, t, j + 1); }, xs[j + dd]);
                    if (!eh.trusted || !std::isfinite(band[dd][j])) {
                        ++tally.skipped;
                        continue;
                    }
                    INFO("band " << dd << " = " << to_string(h.diagonals[dd]) << ": " << band[dd][j] << " vs " << eh.value);
                    REQUIRE(agrees(band[dd][j], eh));
                    ++tally.hessian;
                }
            }
        }
    }
}

// mean(body(a, u, v)) over data columns u and v: d/da against differences, forward and
// reverse mode, and simplify() keeping the value.
void check_rows(Symbols& s, Expr body, std::mt19937_64& rng, Tally& tally) {
    Context& c = s.c;
    Expr f = c.row_mean(body);
    const Expr va[] = {s.a};
    Expr da = diff(f, s.a), ra = gradient(f, va)[0], sa = simplify(da);
    const Expr outs[] = {f, da, ra, sa};
    Loops L(outs, Signature{{s.a}, {s.u, s.v}});
    std::uniform_real_distribution<double> d(-1.5, 1.5);
    std::uniform_int_distribution<int> rows(1, 9);
    for (int trial = 0; trial < 2; ++trial) {
        const auto r = static_cast<std::size_t>(rows(rng));
        std::vector<double> us(r), vs(r);
        for (std::size_t j = 0; j < r; ++j) {
            us[j] = d(rng);
            vs[j] = d(rng);
        }
        const double av = d(rng);
        L.run({av}, {us, vs});
        if (!std::isfinite(L.out[0]) || !std::isfinite(L.out[1])) continue;
        const double analytic = L.out[1];
        INFO("f = " << to_string(f) << "\n  d/da = " << to_string(da) << "\n  simplified " << to_string(sa));
        if (std::isfinite(L.out[2])) {
            REQUIRE(std::fabs(analytic - L.out[2]) <= 1e-9 * std::max(1.0, std::fabs(analytic)));
            ++tally.reverse;
        }
        if (std::isfinite(L.out[3])) REQUIRE(std::fabs(analytic - L.out[3]) <= 1e-8 * std::max(1.0, std::fabs(analytic)));
        Estimate e = derivative(
            [&](double t) {
                L.run({av + t}, {us, vs});
                return L.out[0];
            },
            av);
        if (!e.trusted) {
            ++tally.skipped;
            continue;
        }
        REQUIRE(agrees(analytic, e));
        ++tally.rows;
    }
}

} // namespace

TEST_CASE("derivatives through sums and means match finite differences of the loop evaluator",
          "[property][diff][reduction]") {
    const std::uint64_t seed = run_seed();
    std::printf("test_diff_reductions_fd seed %llu\n", static_cast<unsigned long long>(seed));
    Context ctx;
    Symbols s{ctx};
    testing::RandomExprOptions opt;
    opt.smooth = true;
    opt.variables = {"a", "u", "v"};
    std::mt19937_64 rng(seed);
    Tally tally;
    for (int i = 0; i < 600; ++i) {
        opt.max_depth = 1 + i % 4;
        testing::RandomExpr gen(ctx, seed * 7919 + static_cast<std::uint64_t>(i), opt);
        Expr body = gen.next();
        INFO("seed " << seed << " body " << i << ": " << to_string(body));
        ++tally.bodies;
        check_sum(s, body, rng, tally);
        // A mean reads its number of rows from the columns it uses, and the LoopInterpreter
        // rejects one that uses none, such as d/da mean(v + a^2) = mean(2*a): the factor
        // keeps a column in every derivative of the body.
        Expr row = body * (ctx.integer(1) + pow(s.u, ctx.integer(2)));
        if (depends_on(row, s.u)) check_rows(s, row, rng, tally);
    }
    std::printf("test_diff_reductions_fd: %d bodies; %d derivatives by a parameter, %d gradient elements, %d band "
                "entries, %d means checked; %d skipped; %d reverse-mode checks\n",
                tally.bodies, tally.by_parameter, tally.by_vector, tally.hessian, tally.rows, tally.skipped, tally.reverse);
    REQUIRE(tally.by_parameter > 1000);
    REQUIRE(tally.by_vector > 5000);
    REQUIRE(tally.hessian > 2500);
    REQUIRE(tally.rows > 500);
}
