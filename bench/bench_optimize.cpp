// Optimiser loops over JIT kernels against hand-written -O3 -march=native loops
// (bench/baseline/optimize_baseline.cpp), in the same process: 1,000,000 steps on Rosenbrock
// and 10,000 steps on extended Rosenbrock (n = 1000), for gd, momentum and Adam.
// Results and how to reproduce them: bench/README.md, "## Optimisers".
#include <benchmark/benchmark.h>

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "optimize_baseline.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/optimize.hpp"

namespace {

using namespace symdiff;

constexpr std::size_t kSteps2d = 1'000'000;
constexpr std::size_t kStepsExt = 10'000;
constexpr std::size_t kExtN = 1000;
constexpr double kLr2d = 0.001;
constexpr double kLrExt = 0.0005; // stable from x = 0 (the largest curvature there is about 600)

// The problems are built with the Context API, as a library user would: Rosenbrock, extended
// Rosenbrock written out flat over x1..x1000, and the same written as a reduction over one
// vector, sum(i = 1..n-1, 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2), run through a Loss.
struct Problems {
    Context ctx;
    std::vector<Expr> xy, xs;
    Objective rosenbrock, extended;
    Loss extended_sum;

    static Objective make_rosenbrock(Context& ctx, std::vector<Expr>& xy) {
        const Expr x = ctx.symbol("x"), y = ctx.symbol("y");
        xy = {x, y};
        const Expr two = ctx.integer(2);
        return Objective(pow(ctx.integer(1) - x, two) + ctx.integer(100) * pow(y - pow(x, two), two), xy);
    }
    static Objective make_extended(Context& ctx, std::vector<Expr>& xs) {
        for (std::size_t i = 0; i < kExtN; ++i) xs.push_back(ctx.symbol("x" + std::to_string(i + 1)));
        const Expr one = ctx.integer(1), hundred = ctx.integer(100), two = ctx.integer(2);
        std::vector<Expr> terms;
        for (std::size_t i = 0; i + 1 < kExtN; ++i) {
            terms.push_back(hundred * pow(xs[i + 1] - pow(xs[i], two), two));
            terms.push_back(pow(one - xs[i], two));
        }
        return Objective(ctx.add(terms), xs);
    }
    static Loss make_extended_sum(Context& ctx) {
        const Expr x = ctx.symbol("x"), i = ctx.symbol("i"), n = ctx.symbol("n");
        const Expr one = ctx.integer(1), two = ctx.integer(2);
        const Expr xi = ctx.at(x, i), xi1 = ctx.at(x, i + one);
        const Expr body = ctx.integer(100) * pow(xi1 - pow(xi, two), two) + pow(one - xi, two);
        const Expr f = ctx.sum(i, one, n - one, body);
        const VectorParameter v{x, kExtN};
        return Loss(f, LossInputs{.vectors = std::span<const VectorParameter>(&v, 1)});
    }
    Problems()
        : rosenbrock(make_rosenbrock(ctx, xy)), extended(make_extended(ctx, xs)), extended_sum(make_extended_sum(ctx)) {}
};

Problems& problems() {
    static Problems p;
    return p;
}

Options options(Method m, double lr, std::size_t steps) {
    Options o;
    o.method = m;
    o.lr = lr;
    o.max_steps = steps;
    return o;
}

template <class Problem>
void run_symdiff(benchmark::State& state, const Problem& obj, std::vector<double> start, const Options& o) {
    for (auto _ : state) {
        const Report r = obj.minimize(start, o);
        if (r.steps != o.max_steps) state.SkipWithError(("stopped early: " + r.message).c_str());
        benchmark::DoNotOptimize(r.x.data());
    }
    state.counters["ns/step"] =
        benchmark::Counter(static_cast<double>(o.max_steps), benchmark::Counter::kIsIterationInvariantRate |
                                                                   benchmark::Counter::kInvert);
}

template <class F>
void run_baseline(benchmark::State& state, std::vector<double> start, std::size_t steps, F loop) {
    for (auto _ : state) {
        std::vector<double> x = start;
        loop(x.data());
        benchmark::DoNotOptimize(x.data());
        benchmark::ClobberMemory();
    }
    state.counters["ns/step"] = benchmark::Counter(
        static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

const std::vector<double> kStart2d{-1, 1};
const std::vector<double> kStartExt(kExtN, 0.0);

// --- Rosenbrock, 1,000,000 steps
void BM_Rosenbrock_GD_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().rosenbrock, kStart2d, options(Method::GradientDescent, kLr2d, kSteps2d));
}
// The same run with the generated loop switched off: the C++ loop over the kernel's pointer.
Options cxx_loop(Options o) {
    o.native_loop_min_steps = std::numeric_limits<std::size_t>::max();
    return o;
}
void BM_Rosenbrock_GD_symdiff_cxx_loop(benchmark::State& s) {
    run_symdiff(s, problems().rosenbrock, kStart2d, cxx_loop(options(Method::GradientDescent, kLr2d, kSteps2d)));
}
void BM_Rosenbrock_GD_baseline(benchmark::State& s) {
    run_baseline(s, kStart2d, kSteps2d, [](double* x) { baseline::gd_rosenbrock(x, kLr2d, kSteps2d); });
}
void BM_Rosenbrock_GD_baseline_grad_only(benchmark::State& s) {
    run_baseline(s, kStart2d, kSteps2d, [](double* x) { baseline::gd_rosenbrock_grad_only(x, kLr2d, kSteps2d); });
}
// The loop a person would write around the JIT kernel's raw function pointer: what the
// library's loop costs beyond the call boundary itself.
void BM_Rosenbrock_GD_hand_loop_over_jit(benchmark::State& s) {
    auto& p = problems();
    static const CompiledFunction k = compile_gradient(
        pow(p.ctx.integer(1) - p.xy[0], p.ctx.integer(2)) +
            p.ctx.integer(100) * pow(p.xy[1] - pow(p.xy[0], p.ctx.integer(2)), p.ctx.integer(2)),
        p.xy);
    const CompiledFunction::PointFn fn = k.point_function();
    run_baseline(s, kStart2d, kSteps2d, [fn](double* x) {
        double out[3];
        for (std::size_t i = 0; i < kSteps2d; ++i) {
            fn(x, out);
            if (!std::isfinite(out[0])) break;
            x[0] -= kLr2d * out[1];
            x[1] -= kLr2d * out[2];
        }
    });
}
void BM_Rosenbrock_Momentum_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().rosenbrock, kStart2d, options(Method::Momentum, kLr2d, kSteps2d));
}
void BM_Rosenbrock_Momentum_symdiff_cxx_loop(benchmark::State& s) {
    run_symdiff(s, problems().rosenbrock, kStart2d, cxx_loop(options(Method::Momentum, kLr2d, kSteps2d)));
}
void BM_Rosenbrock_Momentum_baseline(benchmark::State& s) {
    run_baseline(s, kStart2d, kSteps2d, [](double* x) { baseline::momentum_rosenbrock(x, kLr2d, 0.9, kSteps2d); });
}
void BM_Rosenbrock_Adam_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().rosenbrock, kStart2d, options(Method::Adam, kLr2d, kSteps2d));
}
void BM_Rosenbrock_Adam_symdiff_cxx_loop(benchmark::State& s) {
    run_symdiff(s, problems().rosenbrock, kStart2d, cxx_loop(options(Method::Adam, kLr2d, kSteps2d)));
}
void BM_Rosenbrock_Adam_baseline(benchmark::State& s) {
    run_baseline(s, kStart2d, kSteps2d,
                 [](double* x) { baseline::adam_rosenbrock(x, kLr2d, 0.9, 0.999, 1e-8, kSteps2d); });
}

// --- extended Rosenbrock, n = 1000, 10,000 steps
void BM_ExtRosenbrock_GD_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().extended, kStartExt, options(Method::GradientDescent, kLrExt, kStepsExt));
}
void BM_ExtRosenbrock_GD_baseline(benchmark::State& s) {
    run_baseline(s, kStartExt, kStepsExt, [](double* x) { baseline::gd_ext_rosenbrock(x, kExtN, kLrExt, kStepsExt); });
}
void BM_ExtRosenbrock_GD_baseline_grad_only(benchmark::State& s) {
    run_baseline(s, kStartExt, kStepsExt,
                 [](double* x) { baseline::gd_ext_rosenbrock_grad_only(x, kExtN, kLrExt, kStepsExt); });
}
void BM_ExtRosenbrock_Momentum_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().extended, kStartExt, options(Method::Momentum, kLrExt, kStepsExt));
}
void BM_ExtRosenbrock_Momentum_baseline(benchmark::State& s) {
    run_baseline(s, kStartExt, kStepsExt,
                 [](double* x) { baseline::momentum_ext_rosenbrock(x, kExtN, kLrExt, 0.9, kStepsExt); });
}
void BM_ExtRosenbrock_Adam_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().extended, kStartExt, options(Method::Adam, kLrExt, kStepsExt));
}
void BM_ExtRosenbrock_Adam_baseline(benchmark::State& s) {
    run_baseline(s, kStartExt, kStepsExt,
                 [](double* x) { baseline::adam_ext_rosenbrock(x, kExtN, kLrExt, 0.9, 0.999, 1e-8, kStepsExt); });
}

// What the generated loop costs to make: a fresh Objective's first gd run of one step over the
// threshold, against the Objective alone (BM_Rosenbrock_objective_compile) — the price max_steps must
// repay before Options::native_loop_min_steps lets Objective choose it.
void BM_Rosenbrock_native_loop_compile(benchmark::State& s) {
    auto& p = problems();
    const Expr two = p.ctx.integer(2);
    const Expr f = pow(p.ctx.integer(1) - p.xy[0], two) + p.ctx.integer(100) * pow(p.xy[1] - pow(p.xy[0], two), two);
    Options o = options(Method::GradientDescent, kLr2d, 1);
    o.native_loop_min_steps = 0;
    for (auto _ : s) {
        const Objective obj(f, p.xy);
        benchmark::DoNotOptimize(obj.minimize(kStart2d, o).x.data());
    }
}
void BM_Rosenbrock_objective_compile(benchmark::State& s) {
    auto& p = problems();
    const Expr two = p.ctx.integer(2);
    const Expr f = pow(p.ctx.integer(1) - p.xy[0], two) + p.ctx.integer(100) * pow(p.xy[1] - pow(p.xy[0], two), two);
    Options o = options(Method::GradientDescent, kLr2d, 1);
    for (auto _ : s) {
        const Objective obj(f, p.xy);
        benchmark::DoNotOptimize(obj.minimize(kStart2d, o).x.data());
    }
}

// --- the same, extended Rosenbrock as a sum over a vector (loop kernel, Loss)
void BM_ExtRosenbrockSum_GD_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().extended_sum, kStartExt, options(Method::GradientDescent, kLrExt, kStepsExt));
}
void BM_ExtRosenbrockSum_Momentum_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().extended_sum, kStartExt, options(Method::Momentum, kLrExt, kStepsExt));
}
void BM_ExtRosenbrockSum_Adam_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().extended_sum, kStartExt, options(Method::Adam, kLrExt, kStepsExt));
}

} // namespace

BENCHMARK(BM_Rosenbrock_GD_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_GD_symdiff_cxx_loop)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_GD_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_GD_baseline_grad_only)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_GD_hand_loop_over_jit)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Momentum_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Momentum_symdiff_cxx_loop)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Momentum_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Adam_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Adam_symdiff_cxx_loop)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Adam_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_GD_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_GD_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_GD_baseline_grad_only)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_Momentum_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_Momentum_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_Adam_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_Adam_baseline)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_Rosenbrock_native_loop_compile)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_objective_compile)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrockSum_GD_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrockSum_Momentum_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrockSum_Adam_symdiff)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
