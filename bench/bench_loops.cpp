// Reductions compiled to native loops (compile_loops) against hand-written -O3 -march=native
// loops in the same process: (a) extended Rosenbrock f + ∇f (a value Sum and the gradient Vec
// in gather form, as vector_gradient produces it) at n = 1,000 and 1,000,000; (b) an MSE loss
// and its two partials over 10,000,000 data rows, against the machine's read bandwidth
// measured in the same run; (c) compile time at n = 10 and n = 1,000,000.
// bench/README.md "## Reductions" has the measured table and the command.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "jit_baseline.hpp"
#include "loops_baseline.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"

namespace {

using namespace symdiff;

// f = sum(i = 1..n-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2) and its gradient in gather form:
// [(-400*x[k]*(x[k+1] - x[k]^2) - 2*(1 - x[k]) if 1 <= k <= n-1) + (200*(x[k] - x[k-1]^2) if
// 2 <= k <= n) for k = 1..n], with n = len(x) or a constant.
struct Rosenbrock {
    Context ctx;
    Expr x = ctx.symbol("x"), i = ctx.symbol("i"), k = ctx.symbol("k");
    Expr one = ctx.integer(1), two = ctx.integer(2);

    Expr at(Expr idx, std::int64_t c) { return ctx.at(x, c == 0 ? idx : idx + ctx.integer(c)); }
    std::vector<Expr> outputs(Expr n) {
        Expr d = at(i, 1) - pow(at(i, 0), two);
        Expr f = ctx.sum(i, one, n - one, ctx.integer(100) * pow(d, two) + pow(one - at(i, 0), two));
        Expr dk = at(k, 1) - pow(at(k, 0), two);
        Expr first = ctx.integer(-400) * at(k, 0) * dk - two * (one - at(k, 0));
        Expr second = ctx.integer(200) * (at(k, 0) - pow(at(k, -1), two));
        Expr g = ctx.guard(k, one, n - one, first) + ctx.guard(k, two, n, second);
        return {f, ctx.vec(k, one, n, g)};
    }
};

std::vector<double> start_point(std::size_t n) {
    std::vector<double> x(n);
    for (std::size_t j = 0; j < n; ++j) x[j] = j % 2 ? 1.0 : -1.2;
    return x;
}

void ext_rosenbrock_loops(benchmark::State& state, int level) {
    const auto n = static_cast<std::size_t>(state.range(0));
    Rosenbrock r;
    std::vector<Expr> outs = r.outputs(r.ctx.len(r.x));
    JitOptions o;
    o.opt_level = level;
    LoopKernel kernel = compile_loops(outs, Signature{{}, {r.x}}, o);
    std::vector<double> x = start_point(n), g(n);
    double f = 0;
    const double* bases[] = {x.data()};
    std::int64_t lengths[] = {static_cast<std::int64_t>(n)};
    double* gout[] = {g.data()};
    LoopArgs args{nullptr, bases, lengths, &f, gout};
    for (auto _ : state) {
        kernel(args);
        benchmark::DoNotOptimize(f);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
void ext_rosenbrock_loops_O2(benchmark::State& state) { ext_rosenbrock_loops(state, 2); }
void ext_rosenbrock_loops_O3(benchmark::State& state) { ext_rosenbrock_loops(state, 3); }
BENCHMARK(ext_rosenbrock_loops_O2)->Arg(1000)->Arg(1000000);
BENCHMARK(ext_rosenbrock_loops_O3)->Arg(1000)->Arg(1000000);

// The same f with its gradient from vector_gradient (diff.hpp), the library's own path: f's
// bound is n - 1 with n a scalar, the gradient's 1..len(x), fused through x.
void ext_rosenbrock_loops_diff(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    Rosenbrock r;
    Expr size = r.ctx.symbol("n");
    Expr f = r.outputs(size)[0];
    Expr outs[] = {f, vector_gradient(f, r.x)};
    LoopKernel kernel = compile_loops(outs, Signature{{size}, {r.x}});
    std::vector<double> x = start_point(n), g(n);
    double fv = 0, nv = static_cast<double>(n);
    const double* bases[] = {x.data()};
    std::int64_t lengths[] = {static_cast<std::int64_t>(n)};
    double* gout[] = {g.data()};
    LoopArgs args{&nv, bases, lengths, &fv, gout};
    for (auto _ : state) {
        kernel(args);
        benchmark::DoNotOptimize(fv);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(ext_rosenbrock_loops_diff)->Arg(1000)->Arg(1000000);

// The one-pass scatter loop of bench_jit (jit_baseline.cpp): f and ∇f in one loop over i.
void ext_rosenbrock_hand(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<double> x = start_point(n), out(n + 1);
    for (auto _ : state) {
        baseline::ext_rosenbrock_grad(x.data(), n, out.data());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(ext_rosenbrock_hand)->Arg(1000)->Arg(1000000);

// The same formulas written in gather form, the shape of the generated loop.
void ext_rosenbrock_hand_gather(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<double> x = start_point(n), g(n);
    double f = 0;
    for (auto _ : state) {
        baseline::ext_rosenbrock_grad_gather(x.data(), n, &f, g.data());
        benchmark::DoNotOptimize(f);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(ext_rosenbrock_hand_gather)->Arg(1000)->Arg(1000000);

// The reference interpreter on the same outputs, for scale.
void ext_rosenbrock_interpreter(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    Rosenbrock r;
    std::vector<Expr> outs = r.outputs(r.ctx.len(r.x));
    LoopInterpreter li(outs, Signature{{}, {r.x}});
    std::vector<double> x = start_point(n), g(n);
    double f = 0;
    const double* bases[] = {x.data()};
    std::int64_t lengths[] = {static_cast<std::int64_t>(n)};
    double* gout[] = {g.data()};
    LoopArgs args{nullptr, bases, lengths, &f, gout};
    for (auto _ : state) {
        li.run(args);
        benchmark::DoNotOptimize(f);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(ext_rosenbrock_interpreter)->Arg(1000)->Arg(1000000);

// --- (b) data: ten million rows of (x, y)

constexpr std::size_t kRows = 10'000'000;

struct Data {
    std::vector<double> x, y;
    Data() : x(kRows), y(kRows) {
        std::mt19937_64 gen(42);
        std::uniform_real_distribution<double> d(-1, 1);
        for (std::size_t r = 0; r < kRows; ++r) {
            x[r] = d(gen);
            y[r] = 3 * x[r] - 0.5 + 0.1 * d(gen);
        }
    }
};
Data& data() {
    static Data d;
    return d;
}

// Bytes per second of a plain read of both columns (best of ten), measured in the same run
// as the loss benchmarks so that they can report their fraction of it.
double read_bandwidth_now() {
    static double bandwidth = 0;
    if (bandwidth > 0) return bandwidth;
    Data& d = data();
    double best = 1e300;
    for (int rep = 0; rep < 10; ++rep) {
        auto t0 = std::chrono::steady_clock::now();
        double s = baseline::read_sum(d.x.data(), kRows) + baseline::read_sum(d.y.data(), kRows);
        benchmark::DoNotOptimize(s);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return bandwidth = 2.0 * kRows * sizeof(double) / best;
}

void read_bandwidth(benchmark::State& state) {
    Data& d = data();
    for (auto _ : state) {
        double s = baseline::read_sum(d.x.data(), kRows) + baseline::read_sum(d.y.data(), kRows);
        benchmark::DoNotOptimize(s);
    }
    const double bytes = 2.0 * kRows * sizeof(double);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(read_bandwidth)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

void report_rows(benchmark::State& state) {
    const double bytes = 2.0 * kRows * sizeof(double);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRows));
    state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    // Fraction of the read bandwidth: bytes / time / bandwidth, per iteration.
    state.counters["of_bandwidth"] =
        benchmark::Counter(bytes / read_bandwidth_now(), benchmark::Counter::kIsIterationInvariantRate);
}

void mse_loops(benchmark::State& state) {
    Context ctx;
    Expr m = ctx.symbol("m"), b = ctx.symbol("b"), x = ctx.symbol("x"), y = ctx.symbol("y");
    Expr r = m * x + b - y;
    // The loss and its partials as the differentiation writes them: 2*mean(r*x), 2*mean(r).
    Expr outs[] = {ctx.row_mean(pow(r, ctx.integer(2))), ctx.integer(2) * ctx.row_mean(r * x),
                   ctx.integer(2) * ctx.row_mean(r)};
    JitOptions o;
    o.opt_level = static_cast<int>(state.range(0));
    LoopKernel kernel = compile_loops(outs, Signature{{m, b}, {x, y}}, o);
    Data& d = data();
    double params[] = {2.5, 0.1};
    const double* bases[] = {d.x.data(), d.y.data()};
    std::int64_t lengths[] = {static_cast<std::int64_t>(kRows), static_cast<std::int64_t>(kRows)};
    double out[3];
    LoopArgs args{params, bases, lengths, out, nullptr};
    for (auto _ : state) {
        kernel(args);
        benchmark::DoNotOptimize(out);
        benchmark::ClobberMemory();
    }
    report_rows(state);
}
BENCHMARK(mse_loops)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

// The reference LoopInterpreter over the same rows (it was a timed test: "ten million rows in
// well under a second").
void mse_interpreter(benchmark::State& state) {
    Context ctx;
    Expr m = ctx.symbol("m"), b = ctx.symbol("b"), x = ctx.symbol("x"), y = ctx.symbol("y");
    Expr r = m * x + b - y;
    Expr outs[] = {ctx.row_mean(pow(r, ctx.integer(2))), ctx.integer(2) * ctx.row_mean(r * x),
                   ctx.integer(2) * ctx.row_mean(r)};
    LoopInterpreter interpreter(outs, Signature{{m, b}, {x, y}});
    Data& d = data();
    double params[] = {2.5, 0.1};
    const double* bases[] = {d.x.data(), d.y.data()};
    std::int64_t lengths[] = {static_cast<std::int64_t>(kRows), static_cast<std::int64_t>(kRows)};
    double out[3];
    LoopArgs args{params, bases, lengths, out, nullptr};
    for (auto _ : state) {
        interpreter.run(args);
        benchmark::DoNotOptimize(out);
        benchmark::ClobberMemory();
    }
    report_rows(state);
}
BENCHMARK(mse_interpreter)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

void mse_hand(benchmark::State& state) {
    Data& d = data();
    double out[3];
    for (auto _ : state) {
        baseline::mse_grad(d.x.data(), d.y.data(), kRows, 2.5, 0.1, out);
        benchmark::DoNotOptimize(out);
        benchmark::ClobberMemory();
    }
    report_rows(state);
}
BENCHMARK(mse_hand)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

void mse_hand_4(benchmark::State& state) {
    Data& d = data();
    double out[3];
    for (auto _ : state) {
        baseline::mse_grad_4(d.x.data(), d.y.data(), kRows, 2.5, 0.1, out);
        benchmark::DoNotOptimize(out);
        benchmark::ClobberMemory();
    }
    report_rows(state);
}
BENCHMARK(mse_hand_4)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

// The three of them taking turns, so that the ratios see the same machine: a shared two-core
// machine drifts by tens of percent between benchmarks run a second apart, and memory-bound
// loops drift most. Reported as counters: milliseconds of each (medians over the
// iterations), the ratio JIT / hand-written, and the JIT's fraction of the read bandwidth.
void mse_interleaved(benchmark::State& state) {
    Context ctx;
    Expr m = ctx.symbol("m"), b = ctx.symbol("b"), x = ctx.symbol("x"), y = ctx.symbol("y");
    Expr r = m * x + b - y;
    Expr outs[] = {ctx.row_mean(pow(r, ctx.integer(2))), ctx.integer(2) * ctx.row_mean(r * x),
                   ctx.integer(2) * ctx.row_mean(r)};
    JitOptions o;
    o.opt_level = static_cast<int>(state.range(0));
    LoopKernel kernel = compile_loops(outs, Signature{{m, b}, {x, y}}, o);
    Data& d = data();
    double params[] = {2.5, 0.1};
    const double* bases[] = {d.x.data(), d.y.data()};
    std::int64_t lengths[] = {static_cast<std::int64_t>(kRows), static_cast<std::int64_t>(kRows)};
    double out[3], hand[3];
    LoopArgs args{params, bases, lengths, out, nullptr};
    std::vector<double> t_jit, t_hand, t_read;
    auto timed = [](auto&& f) {
        auto t0 = std::chrono::steady_clock::now();
        f();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    for (auto _ : state) {
        t_read.push_back(timed([&] {
            double s = baseline::read_sum(d.x.data(), kRows) + baseline::read_sum(d.y.data(), kRows);
            benchmark::DoNotOptimize(s);
        }));
        t_jit.push_back(timed([&] { kernel(args); }));
        t_hand.push_back(timed([&] { baseline::mse_grad(d.x.data(), d.y.data(), kRows, 2.5, 0.1, hand); }));
        benchmark::DoNotOptimize(out);
        benchmark::DoNotOptimize(hand);
    }
    auto median = [](std::vector<double> v) {
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
        return v[v.size() / 2];
    };
    const double j = median(t_jit), h = median(t_hand), rd = median(t_read);
    state.counters["jit_ms"] = j * 1e3;
    state.counters["hand_ms"] = h * 1e3;
    state.counters["read_ms"] = rd * 1e3;
    state.counters["jit/hand"] = j / h;
    state.counters["jit_of_bandwidth"] = rd / j;
    state.counters["jit_Mrows/s"] = kRows / j * 1e-6;
    state.counters["read_GB/s"] = 2.0 * kRows * sizeof(double) / rd * 1e-9;
}
BENCHMARK(mse_interleaved)->Arg(2)->Arg(3)->Iterations(60)->Unit(benchmark::kMillisecond);

// Rosenbrock f + ∇f likewise, JIT and the hand-written scatter loop taking turns.
void ext_rosenbrock_interleaved(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    Rosenbrock r;
    std::vector<Expr> outs = r.outputs(r.ctx.len(r.x));
    LoopKernel kernel = compile_loops(outs, Signature{{}, {r.x}});
    std::vector<double> x = start_point(n), g(n), hand(n + 1);
    double f = 0;
    const double* bases[] = {x.data()};
    std::int64_t lengths[] = {static_cast<std::int64_t>(n)};
    double* gout[] = {g.data()};
    LoopArgs args{nullptr, bases, lengths, &f, gout};
    const int reps = n < 10000 ? 1000 : 1;
    double t_jit = 0, t_hand = 0;
    for (auto _ : state) {
        auto t0 = std::chrono::steady_clock::now();
        for (int k = 0; k < reps; ++k) kernel(args);
        auto t1 = std::chrono::steady_clock::now();
        for (int k = 0; k < reps; ++k) baseline::ext_rosenbrock_grad(x.data(), n, hand.data());
        auto t2 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(f);
        benchmark::DoNotOptimize(hand.data());
        t_jit += std::chrono::duration<double>(t1 - t0).count();
        t_hand += std::chrono::duration<double>(t2 - t1).count();
    }
    const double calls = static_cast<double>(state.iterations()) * reps;
    state.counters["jit_ns"] = t_jit / calls * 1e9;
    state.counters["hand_ns"] = t_hand / calls * 1e9;
    state.counters["jit/hand"] = t_jit / t_hand;
}
BENCHMARK(ext_rosenbrock_interleaved)->Arg(1000)->Arg(1000000)->Unit(benchmark::kMillisecond);

// --- (c) compile time: n a constant of the expression, so LLVM sees it.

void compile_ext_rosenbrock(benchmark::State& state) {
    Rosenbrock r;
    std::vector<Expr> outs = r.outputs(r.ctx.integer(state.range(0)));
    Signature sig{{}, {r.x}};
    compile_loops(outs, sig); // the thread's target machine, made once
    for (auto _ : state) benchmark::DoNotOptimize(compile_loops(outs, sig));
}
BENCHMARK(compile_ext_rosenbrock)->Arg(10)->Arg(1000000)->Unit(benchmark::kMillisecond);

// n = len(x): one kernel for every n.
void compile_ext_rosenbrock_len(benchmark::State& state) {
    Rosenbrock r;
    std::vector<Expr> outs = r.outputs(r.ctx.len(r.x));
    Signature sig{{}, {r.x}};
    compile_loops(outs, sig);
    for (auto _ : state) benchmark::DoNotOptimize(compile_loops(outs, sig));
}
BENCHMARK(compile_ext_rosenbrock_len)->Unit(benchmark::kMillisecond);

// The same at each optimisation level (it was a hidden test printing times).
void compile_ext_rosenbrock_level(benchmark::State& state) {
    Rosenbrock r;
    std::vector<Expr> outs = r.outputs(r.ctx.len(r.x));
    Signature sig{{}, {r.x}};
    JitOptions o;
    o.opt_level = static_cast<int>(state.range(0));
    compile_loops(outs, sig, o);
    for (auto _ : state) benchmark::DoNotOptimize(compile_loops(outs, sig, o));
}
BENCHMARK(compile_ext_rosenbrock_level)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
