// Hand-written f and f+∇f of Rosenbrock and extended Rosenbrock: what bench_jit's compiled
// kernels are measured against. Compiled with -O3 -march=native (bench/CMakeLists.txt).
#pragma once

#include <cstddef>

namespace symdiff::baseline {

/// out = [f, ∂f/∂x, ∂f/∂y] of (1 - x)^2 + 100 (y - x^2)^2 at in = [x, y]. GCC contracts it to
/// fma (its default under -march=native).
void rosenbrock_grad(const double* in, double* out);
/// The same source compiled with -ffp-contract=off: each operation rounded on its own.
void rosenbrock_grad_nocontract(const double* in, double* out);

/// f of sum_{i=0}^{n-2} 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2.
double ext_rosenbrock(const double* x, std::size_t n);
/// out = [f, ∂f/∂x[0], ..., ∂f/∂x[n-1]] of the same, in one loop.
void ext_rosenbrock_grad(const double* x, std::size_t n, double* out);

} // namespace symdiff::baseline
