// The constants of the cost model by which `symdiff eval|grad|check --backend auto` chooses
// between the JIT and the interpreter (lib/eval/engine.cpp, jit_pays()): what one DAG
// node costs to interpret, to compile and to run compiled, for point kernels (flat extended
// Rosenbrock, the shape `check` meets at large n) and for loop kernels (the same function as
// a sum over a vector, the shape of --data and vector values). Compiled as the CLI compiles:
// no rerolling (a rerolled kernel differs from the interpreter by rounding).
// README.md "### `symdiff check EXPR --at …`" has the measured constants and the command.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/parse.hpp"

namespace {

using namespace symdiff;

std::string flat_rosenbrock(std::size_t n) {
    std::string s;
    for (std::size_t i = 1; i < n; ++i) {
        if (i > 1) s += " + ";
        s += "100*(x" + std::to_string(i + 1) + " - x" + std::to_string(i) + "^2)^2 + (1 - x" + std::to_string(i) + ")^2";
    }
    return s;
}

struct Point {
    Context ctx;
    Expr f;
    std::vector<Expr> vars;
    std::vector<double> x;
    std::size_t nodes = 0;
    explicit Point(std::size_t n) {
        f = parse_expr(ctx, flat_rosenbrock(n), ParseOptions{});
        for (std::size_t i = 1; i <= n; ++i) vars.push_back(ctx.symbol("x" + std::to_string(i)));
        for (std::size_t i = 0; i < n; ++i) x.push_back(i % 2 ? 1.0 : -1.2);
        const Expr roots[] = {f};
        nodes = topological_order(roots).size();
    }
};

JitOptions cli_options(int level) {
    JitOptions o;
    o.opt_level = level;
    o.reroll_min_terms = 0;
    return o;
}

// Seconds per node: the time of one iteration divided by the nodes it touches.
void per_node(benchmark::State& state, double nodes) {
    state.counters["nodes"] = nodes;
    state.counters["per_node"] = benchmark::Counter(nodes, benchmark::Counter::kIsIterationInvariantRate |
                                                               benchmark::Counter::kInvert);
}

void BM_InterpreterCall(benchmark::State& state) {
    Point p(static_cast<std::size_t>(state.range(0)));
    const Expr outs[] = {p.f};
    const Interpreter interp(outs, p.vars);
    double y = 0;
    for (auto _ : state) {
        interp.run(p.x.data(), &y);
        benchmark::DoNotOptimize(y);
    }
    per_node(state, static_cast<double>(p.nodes));
}
BENCHMARK(BM_InterpreterCall)->Arg(100)->Arg(1000);

void BM_InterpreterBuild(benchmark::State& state) {
    Point p(static_cast<std::size_t>(state.range(0)));
    const Expr outs[] = {p.f};
    for (auto _ : state) {
        const Interpreter interp(outs, p.vars);
        benchmark::DoNotOptimize(&interp);
    }
    per_node(state, static_cast<double>(p.nodes));
}
BENCHMARK(BM_InterpreterBuild)->Arg(100)->Arg(1000);

void BM_JitCompile(benchmark::State& state) {
    Point p(static_cast<std::size_t>(state.range(0)));
    const Expr outs[] = {p.f};
    for (auto _ : state) {
        CompiledFunction fn = compile(outs, p.vars, cli_options(static_cast<int>(state.range(1))));
        benchmark::DoNotOptimize(fn.point_function());
    }
    per_node(state, static_cast<double>(p.nodes));
}
BENCHMARK(BM_JitCompile)->ArgsProduct({{2, 100, 1000}, {0, 1, 2}})->Unit(benchmark::kMillisecond);

void BM_JitCall(benchmark::State& state) {
    Point p(static_cast<std::size_t>(state.range(0)));
    const Expr outs[] = {p.f};
    CompiledFunction fn = compile(outs, p.vars, cli_options(static_cast<int>(state.range(1))));
    double y = 0;
    for (auto _ : state) {
        fn(p.x.data(), &y);
        benchmark::DoNotOptimize(y);
    }
    per_node(state, static_cast<double>(p.nodes));
}
BENCHMARK(BM_JitCall)->ArgsProduct({{100, 1000}, {0, 1, 2}});

// sum(i = 1..n-1, ...) over a vector x of the given length.
struct Loops {
    Context ctx;
    Expr f;
    Signature sig;
    std::vector<double> x;
    std::int64_t length = 0;
    std::size_t nodes = 0;
    explicit Loops(std::size_t n) {
        f = parse_expr(ctx, "sum(i = 1..n-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)", ParseOptions{});
        sig.scalars.push_back(ctx.symbol("n"));
        sig.vectors.push_back(ctx.symbol("x"));
        for (std::size_t i = 0; i < n; ++i) x.push_back(i % 2 ? 1.0 : -1.2);
        length = static_cast<std::int64_t>(n);
        const Expr roots[] = {f};
        nodes = topological_order(roots).size();
    }
};

void BM_LoopInterpreterCall(benchmark::State& state) {
    Loops l(static_cast<std::size_t>(state.range(0)));
    const Expr outs[] = {l.f};
    const LoopInterpreter li(outs, l.sig);
    const double n = static_cast<double>(l.length);
    const double* vectors[] = {l.x.data()};
    double y = 0;
    LoopArgs args;
    args.scalars = &n;
    args.vectors = vectors;
    args.lengths = &l.length;
    args.out = &y;
    for (auto _ : state) {
        li.run(args);
        benchmark::DoNotOptimize(y);
    }
    per_node(state, static_cast<double>(l.nodes) * n);
}
BENCHMARK(BM_LoopInterpreterCall)->Arg(1000)->Arg(100000);

// A longer body: `terms` different terms per element, for the per-node part of the compile.
void BM_LoopCompile(benchmark::State& state) {
    Loops l(10);
    if (state.range(1) > 1) {
        std::string body;
        for (long t = 1; t <= state.range(1); ++t)
            body += (t > 1 ? " + " : "") + std::to_string(t) + "*(x[i+1] - " + std::to_string(t + 1) + "*x[i]^2)^2";
        l.f = parse_expr(l.ctx, "sum(i = 1..n-1, " + body + ")", ParseOptions{});
        const Expr roots[] = {l.f};
        l.nodes = topological_order(roots).size();
    }
    const Expr outs[] = {l.f};
    for (auto _ : state) {
        LoopKernel k = compile_loops(outs, l.sig, cli_options(static_cast<int>(state.range(0))));
        benchmark::DoNotOptimize(&k);
    }
    per_node(state, static_cast<double>(l.nodes));
}
BENCHMARK(BM_LoopCompile)->ArgsProduct({{0, 2}, {1, 100}})->Unit(benchmark::kMillisecond);

void BM_LoopKernelCall(benchmark::State& state) {
    Loops l(static_cast<std::size_t>(state.range(0)));
    const Expr outs[] = {l.f};
    const LoopKernel k = compile_loops(outs, l.sig, cli_options(static_cast<int>(state.range(1))));
    const double n = static_cast<double>(l.length);
    const double* vectors[] = {l.x.data()};
    double y = 0;
    LoopArgs args;
    args.scalars = &n;
    args.vectors = vectors;
    args.lengths = &l.length;
    args.out = &y;
    for (auto _ : state) {
        k(args);
        benchmark::DoNotOptimize(y);
    }
    per_node(state, static_cast<double>(l.nodes) * n);
}
BENCHMARK(BM_LoopKernelCall)->ArgsProduct({{100000}, {0, 1, 2}});

} // namespace

BENCHMARK_MAIN();
