// The JIT against the Interpreter and evaluate(): for whatever parses to a scalar expression or
// a list of them (no sums or vectors), a compiled kernel, the Interpreter over all outputs at
// once and evaluate() of each output agree bit for bit at a few points (nan with nan, whatever
// its sign, as jit.hpp allows).
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

namespace {

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

bool plain(Expr e) {
    for (NodeId id : topological_order(std::span<const Expr>(&e, 1))) {
        const Expr n = e.context()[id];
        if (is_reduction(n.op()) || n.is(Op::At) || n.is(Op::Len) || n.is(Op::Guard)) return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 1024) return -1;
    const std::string input(reinterpret_cast<const char*>(data), size);
    Context ctx;
    Expr e;
    try {
        e = parse_expr(ctx, input);
    } catch (const Error&) {
        return 0;
    }
    if (!plain(e) || dag_size(e) > 400) return -1;
    std::vector<Expr> outputs;
    if (e.is(Op::List)) {
        for (std::size_t i = 0; i < e.size(); ++i) outputs.push_back(e[i]);
    } else {
        outputs.push_back(e);
    }
    for (Expr o : outputs)
        if (o.is(Op::List)) return -1;
    const std::vector<Expr> inputs = free_symbols(e);
    if (inputs.size() > 8 || outputs.empty()) return -1;
    CompiledFunction kernel;
    try {
        JitOptions options;
        options.reroll_min_terms = 0; // a rerolled kernel sums in another order (jit.hpp)
        kernel = compile(outputs, inputs, options);
    } catch (const Error&) {
        return 0;
    }
    const Interpreter interp(outputs, inputs);
    static const double values[] = {0.5, -1.25, 3.0, 0.0, -0.0, 1e-3, 7.5, -20.0, 1e300, 2.0};
    std::vector<double> in(inputs.size()), out_jit(outputs.size()), out_interp(outputs.size());
    for (std::size_t point = 0; point < 3; ++point) {
        Bindings at;
        for (std::size_t j = 0; j < inputs.size(); ++j) {
            in[j] = values[(point * 7 + j * 3 + (size ? data[j % size] : 0)) % std::size(values)];
            at[inputs[j].name()] = in[j];
        }
        kernel(in.data(), out_jit.data());
        interp.run(in.data(), out_interp.data());
        for (std::size_t i = 0; i < outputs.size(); ++i) {
            const double ev = evaluate(outputs[i], at);
            if (!same(out_jit[i], out_interp[i]) || !same(ev, out_interp[i]))
                fuzz::fail("output " + std::to_string(i) + " (" + to_string(outputs[i]) + "): JIT " +
                               std::to_string(out_jit[i]) + ", Interpreter " + std::to_string(out_interp[i]) +
                               ", evaluate() " + std::to_string(ev),
                           input);
        }
    }
    return 0;
}
