// Gradient construction by symbolic reverse mode on the extended Rosenbrock function
// f = sum_{i=1}^{n-1} 100*(x_{i+1} - x_i^2)^2 + (1 - x_i)^2, written out flat with the Context
// API: time and node count of the gradient DAG for n = 10 ... 100,000 (both must grow
// linearly in n). Each iteration builds f in a fresh Context outside the timed region, so
// interning never finds a node of the previous iteration.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "symdiff/diff.hpp"
#include "symdiff/expr.hpp"

namespace {

using namespace symdiff;

struct Problem {
    std::unique_ptr<Context> ctx = std::make_unique<Context>();
    std::vector<Expr> vars;
    Expr f;
};

Problem extended_rosenbrock(std::int64_t n) {
    Problem p;
    Context& c = *p.ctx;
    for (std::int64_t i = 1; i <= n; ++i) p.vars.push_back(c.symbol("x" + std::to_string(i)));
    std::vector<Expr> terms;
    for (std::int64_t i = 0; i + 1 < n; ++i) {
        Expr xi = p.vars[static_cast<std::size_t>(i)], xn = p.vars[static_cast<std::size_t>(i + 1)];
        Expr two = c.integer(2);
        terms.push_back(c.mul({c.integer(100), c.pow(c.sub(xn, c.pow(xi, two)), two)}));
        terms.push_back(c.pow(c.sub(c.integer(1), xi), two));
    }
    p.f = c.add(terms);
    return p;
}

void BM_GradientExtendedRosenbrock(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    std::size_t grad_nodes = 0, f_nodes = 0;
    for (auto _ : state) {
        state.PauseTiming();
        Problem p = extended_rosenbrock(n);
        state.ResumeTiming();
        std::vector<Expr> g = gradient(p.f, p.vars);
        benchmark::DoNotOptimize(g.data());
        state.PauseTiming();
        grad_nodes = topological_order(g).size();
        f_nodes = dag_size(p.f);
        p = Problem(); // the Context's teardown is not part of the measurement
        state.ResumeTiming();
    }
    state.counters["n"] = static_cast<double>(n);
    state.counters["f_nodes"] = static_cast<double>(f_nodes);
    state.counters["grad_nodes"] = static_cast<double>(grad_nodes);
    state.counters["grad_nodes_per_n"] = static_cast<double>(grad_nodes) / static_cast<double>(n);
    state.SetComplexityN(n);
}

BENCHMARK(BM_GradientExtendedRosenbrock)
    ->RangeMultiplier(10)
    ->Range(10, 100000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oN);

} // namespace

BENCHMARK_MAIN();
