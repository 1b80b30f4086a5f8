// Optimiser loops over JIT kernels against hand-written -O3 -march=native loops
// (bench/baseline/optimize_baseline.cpp), in the same process: 1,000,000 steps on Rosenbrock
// and 10,000 steps on extended Rosenbrock (n = 1000), for gd, momentum and Adam.
// Results and how to reproduce them: bench/README.md, "## Optimisers".
#include <benchmark/benchmark.h>

#include <cmath>
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

// Both problems are built with the Context API, as a library user would.
struct Problems {
    Context ctx;
    std::vector<Expr> xy, xs;
    Objective rosenbrock, extended;

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
    Problems() : rosenbrock(make_rosenbrock(ctx, xy)), extended(make_extended(ctx, xs)) {}
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

void run_symdiff(benchmark::State& state, const Objective& obj, std::vector<double> start, const Options& o) {
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
void BM_Rosenbrock_Momentum_baseline(benchmark::State& s) {
    run_baseline(s, kStart2d, kSteps2d, [](double* x) { baseline::momentum_rosenbrock(x, kLr2d, 0.9, kSteps2d); });
}
void BM_Rosenbrock_Adam_symdiff(benchmark::State& s) {
    run_symdiff(s, problems().rosenbrock, kStart2d, options(Method::Adam, kLr2d, kSteps2d));
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

} // namespace

BENCHMARK(BM_Rosenbrock_GD_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_GD_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_GD_baseline_grad_only)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_GD_hand_loop_over_jit)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Momentum_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Momentum_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Adam_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rosenbrock_Adam_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_GD_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_GD_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_GD_baseline_grad_only)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_Momentum_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_Momentum_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_Adam_symdiff)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExtRosenbrock_Adam_baseline)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
