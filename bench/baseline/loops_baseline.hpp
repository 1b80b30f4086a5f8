// Hand-written loops that bench_loops' compiled reductions are measured against. Compiled with
// -O3 -march=native (bench/CMakeLists.txt), without -ffast-math, like the rest of bench/baseline.
#pragma once

#include <cstddef>

namespace symdiff::baseline {

/// out = [mean((m*x + b - y)^2), 2*mean((m*x + b - y)*x), 2*mean(m*x + b - y)] over n rows,
/// one pass, one running sum each: the loop a person writes.
void mse_grad(const double* x, const double* y, std::size_t n, double m, double b, double* out);
/// The same with four partial sums per sum, as symdiff adds (docs/reductions.md): GCC keeps
/// them in vector registers without -ffast-math.
void mse_grad_4(const double* x, const double* y, std::size_t n, double m, double b, double* out);

/// Extended Rosenbrock f and ∇f in gather form: g[k] computed where it is stored, one loop.
void ext_rosenbrock_grad_gather(const double* x, std::size_t n, double* f, double* g);

/// Sum of a[0..n) in four vector accumulators: a read as fast as the memory allows,
/// the bandwidth the data loops are compared with.
double read_sum(const double* a, std::size_t n);

} // namespace symdiff::baseline
