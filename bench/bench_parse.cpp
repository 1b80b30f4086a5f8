// Parser throughput (MB/s of text to interned Expr) and Context interning rate (nodes/s).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "parse/syntax.hpp"
#include "symdiff/parse.hpp"

namespace {

// About `bytes` of varied text: every term has its own constants, so almost every node is new
// and the measure includes interning, not only reading.
std::string big_expression(std::size_t bytes) {
    std::string s;
    s.reserve(bytes + 100);
    for (int i = 1; s.size() < bytes; ++i) {
        s += "x^2*sin(y + " + std::to_string(i) + ".5) - " + std::to_string(i) + "xy + (x - " + std::to_string(i) +
             ")^-2 + w_" + std::to_string(i % 100) + "*exp(-t/" + std::to_string(i) + ") + ";
    }
    s += "1";
    return s;
}

void BM_parse_1mb(benchmark::State& state) {
    const std::string text = big_expression(std::size_t{1} << 20);
    std::size_t nodes = 0;
    for (auto _ : state) {
        symdiff::Context ctx;
        symdiff::Expr e = symdiff::parse_expr(ctx, text);
        benchmark::DoNotOptimize(e);
        nodes = ctx.size();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.counters["nodes"] = static_cast<double>(nodes);
}
BENCHMARK(BM_parse_1mb)->Unit(benchmark::kMillisecond);

// The grammar alone (input checks and X3, building and dropping the syntax tree): the share
// of BM_parse_1mb that is reading text, the rest being lowering and interning.
void BM_syntax_1mb(benchmark::State& state) {
    const std::string text = big_expression(std::size_t{1} << 20);
    for (auto _ : state) symdiff::detail::parse_syntax_only(text);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_syntax_1mb)->Unit(benchmark::kMillisecond);

// The same text parsed again into a Context that already holds every node: reading and
// lookup without allocation of new nodes.
void BM_parse_1mb_warm(benchmark::State& state) {
    const std::string text = big_expression(std::size_t{1} << 20);
    symdiff::Context ctx;
    symdiff::parse_expr(ctx, text);
    for (auto _ : state) benchmark::DoNotOptimize(symdiff::parse_expr(ctx, text));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_parse_1mb_warm)->Unit(benchmark::kMillisecond);

void BM_parse_small(benchmark::State& state) {
    const std::string text = "(1-x)^2+100*(y-x^2)^2";
    symdiff::Context ctx;
    for (auto _ : state) benchmark::DoNotOptimize(symdiff::parse_expr(ctx, text));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_parse_small);

// New nodes through the Context directly: per step one Num, one Pow and one Add.
void BM_intern_new_nodes(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    std::size_t made = 0;
    for (auto _ : state) {
        symdiff::Context ctx;
        symdiff::Expr x = ctx.symbol("x");
        symdiff::Expr y = ctx.symbol("y");
        std::size_t before = ctx.size();
        for (std::int64_t i = 2; i < n + 2; ++i) benchmark::DoNotOptimize(ctx.add({ctx.pow(x, ctx.integer(i)), y}));
        made += ctx.size() - before;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(made));
}
BENCHMARK(BM_intern_new_nodes)->Arg(100000)->Unit(benchmark::kMillisecond);

// Interning a node that exists already (the hash-consing lookup).
void BM_intern_existing(benchmark::State& state) {
    symdiff::Context ctx;
    symdiff::Expr x = ctx.symbol("x");
    symdiff::Expr two = ctx.integer(2);
    for (auto _ : state) benchmark::DoNotOptimize(ctx.pow(x, two));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_intern_existing);

// A Context made, given one small expression and destroyed: the fixed cost every CLI run and
// every short-lived Context pays.
void BM_context_small(benchmark::State& state) {
    for (auto _ : state) {
        symdiff::Context ctx;
        benchmark::DoNotOptimize(symdiff::parse_expr(ctx, "(1-x)^2+100*(y-x^2)^2"));
    }
}
BENCHMARK(BM_context_small);

// `bench_parse --once`: one parse of the 1 MiB text in a fresh process, as the CLI does it.
// A benchmark loop cannot show this: its later iterations reuse (or, when the allocator gave
// the memory back, fault in again) what the first one touched (bench/README "## Parser").
int parse_once() {
    const std::string text = big_expression(std::size_t{1} << 20);
    const auto start = std::chrono::steady_clock::now();
    symdiff::Context ctx;
    const symdiff::Expr e = symdiff::parse_expr(ctx, text);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("one parse of %zu bytes: %.1f ms (%.2f MB/s), %zu nodes, top-level %s\n", text.size(), ms,
                static_cast<double>(text.size()) / 1e3 / ms, ctx.size(), e.is(symdiff::Op::Add) ? "sum" : "?");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "--once") == 0) return parse_once();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
