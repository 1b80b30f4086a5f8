// Hand-written Rosenbrock f and ∇f over many points, the loops a C++ engineer writes: one pass,
// value and gradient fused, reading two arrays and writing three. bench_batch compares the
// BatchKernel against them.
#pragma once

#include <cstddef>

namespace symdiff::baseline {

/// f[r], gx[r], gy[r] of (1 - x)^2 + 100*(y - x^2)^2 at (x[r], y[r]), r < n. GCC's defaults
/// under -O3 -march=native (a*b + c may become one fma).
void rosenbrock_batch(const double* x, const double* y, std::size_t n, double* f, double* gx, double* gy);
/// The same with every operation rounded on its own (-ffp-contract=off), as symdiff's kernels
/// and the Interpreter compute.
void rosenbrock_batch_nocontract(const double* x, const double* y, std::size_t n, double* f, double* gx, double* gy);
/// The grid xs × ys, row j (y = ys[j]) after row j - 1: out[j*nx + i] at (xs[i], ys[j]).
void rosenbrock_grid(const double* xs, std::size_t nx, const double* ys, std::size_t ny, double* f, double* gx,
                     double* gy);

} // namespace symdiff::baseline
