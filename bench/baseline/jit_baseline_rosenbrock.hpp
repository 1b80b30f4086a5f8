// The hand-written Rosenbrock f+∇f, included by two translation units of the baseline library
// that differ only in how GCC may contract it (bench/CMakeLists.txt): jit_baseline.cpp with GCC's
// default under -march=native (a*b + c fused into one fma), jit_baseline_nocontract.cpp with
// -ffp-contract=off (every operation rounded on its own, as symdiff computes by default). One
// source, so the two differ in nothing else.
#pragma once

namespace symdiff::baseline::detail {

inline void rosenbrock_grad_body(const double* in, double* out) {
    const double x = in[0], y = in[1];
    const double a = 1 - x;
    const double b = y - x * x;
    out[0] = a * a + 100 * b * b;
    out[1] = -2 * a - 400 * x * b;
    out[2] = 200 * b;
}

} // namespace symdiff::baseline::detail
