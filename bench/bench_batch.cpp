// Batch evaluation (batch.hpp) against hand-written -O3 -march=native loops in the same
// process: Rosenbrock f and ∇f over 10^6 random points and over a 1000×1000 grid, with the
// JIT (default numbers, and with fp_contract as GCC's default contracts), the interpreter, and
// two threads; and the compile time that BatchBackend::Auto weighs against the interpreter.
// NumPy's figures for the same work come from bench/batch_numpy.py; bench/run_batch.sh runs
// both. bench/README.md "## Batch evaluation" has the table.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "batch_baseline.hpp"
#include "symdiff/batch.hpp"
#include "symdiff/parse.hpp"

namespace {

using namespace symdiff;

constexpr std::size_t kPoints = 1000000;
constexpr std::size_t kSide = 1000;

struct Data {
    std::vector<double> x, y, f, gx, gy;
    std::vector<double> xs, ys;         // the grid's axes
    std::vector<double> grid_x, grid_y; // the grid as two columns, as `symdiff grad --grid` makes it
    Data() : x(kPoints), y(kPoints), f(kPoints), gx(kPoints), gy(kPoints), xs(kSide), ys(kSide) {
        std::mt19937_64 rng(42);
        std::uniform_real_distribution<double> ux(-2, 2), uy(-1, 3);
        for (std::size_t r = 0; r < kPoints; ++r) x[r] = ux(rng), y[r] = uy(rng);
        for (std::size_t i = 0; i < kSide; ++i) {
            xs[i] = -2 + 4.0 * static_cast<double>(i) / (kSide - 1);
            ys[i] = -1 + 4.0 * static_cast<double>(i) / (kSide - 1);
        }
        for (std::size_t j = 0; j < kSide; ++j)
            for (std::size_t i = 0; i < kSide; ++i) grid_x.push_back(xs[i]), grid_y.push_back(ys[j]);
    }
};

Data& data() {
    static Data d;
    return d;
}

struct Rosenbrock {
    Context ctx;
    Expr f = parse_expr(ctx, "(1 - x)^2 + 100*(y - x^2)^2");
    std::vector<Expr> vars{ctx.symbol("x"), ctx.symbol("y")};
};

BatchKernel kernel(Rosenbrock& r, BatchBackend backend, unsigned threads = 1, bool contract = false) {
    BatchOptions o;
    o.backend = backend;
    o.threads = threads;
    o.jit.fp_contract = contract;
    return batch_value_and_gradient(r.f, r.vars, o);
}

void points(benchmark::State& state, BatchBackend backend, unsigned threads, bool contract) {
    Rosenbrock r;
    BatchKernel k = kernel(r, backend, threads, contract);
    Data& d = data();
    const double* in[] = {d.x.data(), d.y.data()};
    double* out[] = {d.f.data(), d.gx.data(), d.gy.data()};
    for (auto _ : state) {
        k.run(kPoints, in, out);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPoints));
}

void BM_batch_points_jit(benchmark::State& s) { points(s, BatchBackend::Jit, 1, false); }
void BM_batch_points_jit_fp_contract(benchmark::State& s) { points(s, BatchBackend::Jit, 1, true); }
void BM_batch_points_jit_2_threads(benchmark::State& s) { points(s, BatchBackend::Jit, 2, false); }
void BM_batch_points_interp(benchmark::State& s) { points(s, BatchBackend::Interpreter, 1, false); }

void BM_hand_points(benchmark::State& state) {
    Data& d = data();
    for (auto _ : state) {
        baseline::rosenbrock_batch(d.x.data(), d.y.data(), kPoints, d.f.data(), d.gx.data(), d.gy.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPoints));
}

void BM_hand_points_nocontract(benchmark::State& state) {
    Data& d = data();
    for (auto _ : state) {
        baseline::rosenbrock_batch_nocontract(d.x.data(), d.y.data(), kPoints, d.f.data(), d.gx.data(), d.gy.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPoints));
}

// The grid as the CLI runs it: two columns of 10^6 values.
void BM_batch_grid_columns(benchmark::State& state) {
    Rosenbrock r;
    BatchKernel k = kernel(r, BatchBackend::Jit);
    Data& d = data();
    const double* in[] = {d.grid_x.data(), d.grid_y.data()};
    double* out[] = {d.f.data(), d.gx.data(), d.gy.data()};
    for (auto _ : state) {
        k.run(kPoints, in, out);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPoints));
}

// The grid row by row: the x axis as a column and y broadcast, 1000 runs of 1000 points, so
// no 10^6-value input is made at all.
void BM_batch_grid_broadcast(benchmark::State& state) {
    Rosenbrock r;
    BatchKernel k = kernel(r, BatchBackend::Jit);
    Data& d = data();
    for (auto _ : state) {
        for (std::size_t j = 0; j < kSide; ++j) {
            BatchInput in[] = {BatchInput::column(d.xs.data()), BatchInput::broadcast(d.ys[j])};
            double* out[] = {d.f.data() + j * kSide, d.gx.data() + j * kSide, d.gy.data() + j * kSide};
            k.run(kSide, in, out);
        }
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPoints));
}

void BM_hand_grid(benchmark::State& state) {
    Data& d = data();
    for (auto _ : state) {
        baseline::rosenbrock_grid(d.xs.data(), kSide, d.ys.data(), kSide, d.f.data(), d.gx.data(), d.gy.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPoints));
}

// What BatchBackend::Auto weighs: making the JIT kernel against the interpreter's slower loop.
// The JIT compiles at the first run with a pattern of inputs: making the kernel and running
// it on four points.
void BM_batch_compile_jit(benchmark::State& state) {
    Rosenbrock r;
    Data& d = data();
    const double* in[] = {d.x.data(), d.y.data()};
    double* out[] = {d.f.data(), d.gx.data(), d.gy.data()};
    for (auto _ : state) {
        BatchKernel k = kernel(r, BatchBackend::Jit);
        k.run(4, in, out);
    }
}

} // namespace

BENCHMARK(BM_hand_points)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_hand_points_nocontract)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_batch_points_jit)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_batch_points_jit_fp_contract)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_batch_points_jit_2_threads)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_batch_points_interp)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_hand_grid)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_batch_grid_columns)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_batch_grid_broadcast)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_batch_compile_jit)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
