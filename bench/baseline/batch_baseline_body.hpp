// The loop of batch_baseline.hpp, included by two translation units that differ only in
// whether GCC may contract to fma (bench/CMakeLists.txt), so that they differ in nothing else.
#pragma once

#include <cstddef>

namespace symdiff::baseline::detail {

inline void rosenbrock_batch_body(const double* __restrict x, const double* __restrict y, std::size_t n,
                                  double* __restrict f, double* __restrict gx, double* __restrict gy) {
    for (std::size_t r = 0; r < n; ++r) {
        const double a = 1 - x[r];
        const double b = y[r] - x[r] * x[r];
        f[r] = a * a + 100 * b * b;
        gx[r] = -2 * a - 400 * x[r] * b;
        gy[r] = 200 * b;
    }
}

} // namespace symdiff::baseline::detail
