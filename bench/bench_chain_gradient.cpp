// Gradient of deep chains by symbolic reverse mode (issue 16, item 10): sin(... sin(x + x) ...
// + x), each level adding two nodes, and the tower x^x^...^x (x^(x^(...))), each level one
// node, at depth 10^3, 10^4 and 10^5. The time per level must stay flat: the adjoint of a
// node deep in a chain is the product of every partial above it, and made as a flat product
// it grows by one factor a level (quadratic). Each iteration builds the chain in a fresh
// Context outside the timed region, so interning never finds a node of the previous one.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "symdiff/diff.hpp"
#include "symdiff/expr.hpp"

namespace {

using namespace symdiff;

struct Chain {
    std::unique_ptr<Context> ctx = std::make_unique<Context>();
    Expr x, f;
};

Chain sin_chain(std::int64_t depth) {
    Chain ch;
    Context& c = *ch.ctx;
    ch.x = c.symbol("x");
    ch.f = ch.x;
    for (std::int64_t k = 0; k < depth; ++k) ch.f = c.call(Op::Sin, {c.add({ch.f, ch.x})});
    return ch;
}

Chain tower(std::int64_t depth) {
    Chain ch;
    Context& c = *ch.ctx;
    ch.x = c.symbol("x");
    ch.f = ch.x;
    for (std::int64_t k = 1; k < depth; ++k) ch.f = c.pow(ch.x, ch.f);
    return ch;
}

template <Chain (*make)(std::int64_t)>
void BM_chain_gradient(benchmark::State& state) {
    const std::int64_t depth = state.range(0);
    std::size_t f_nodes = 0, grad_nodes = 0;
    for (auto _ : state) {
        state.PauseTiming();
        Chain ch = make(depth);
        state.ResumeTiming();
        std::vector<Expr> g = gradient(ch.f, std::span<const Expr>(&ch.x, 1));
        benchmark::DoNotOptimize(g.data());
        state.PauseTiming();
        f_nodes = dag_size(ch.f);
        grad_nodes = dag_size(g[0]);
        ch = Chain(); // the Context's teardown is not part of the measurement
        state.ResumeTiming();
    }
    state.counters["depth"] = static_cast<double>(depth);
    state.counters["f_nodes"] = static_cast<double>(f_nodes);
    state.counters["grad_nodes"] = static_cast<double>(grad_nodes);
    // time per level of the chain: flat when the sweep is linear
    state.counters["per_level"] = benchmark::Counter(static_cast<double>(depth),
                                                     benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_chain_gradient<sin_chain>)->Name("BM_gradient_sin_chain")->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_chain_gradient<tower>)->Name("BM_gradient_tower")->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
