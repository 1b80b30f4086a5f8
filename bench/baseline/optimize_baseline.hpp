// Hand-written optimiser loops: what a person writes in C++ for the tutorials' Rosenbrock
// runs, compiled separately with -O3 -march=native. bench_optimize compares the library's
// loops over JIT kernels against these.
#pragma once

#include <cstddef>

namespace symdiff::baseline {

// Rosenbrock (1-x)^2 + 100(y-x^2)^2 at p = {x, y}: `steps` updates in place.
// The *_grad_only forms compute only the gradient, as the tutorials' loops do; the others also
// compute f each step (what a loop needs to notice divergence), fused with the gradient as a
// JIT kernel is.
void gd_rosenbrock(double* p, double lr, std::size_t steps);
void gd_rosenbrock_grad_only(double* p, double lr, std::size_t steps);
void momentum_rosenbrock(double* p, double lr, double beta, std::size_t steps);
void adam_rosenbrock(double* p, double lr, double b1, double b2, double eps, std::size_t steps);

// Extended Rosenbrock sum_{i<n-1} 100(x_{i+1} - x_i^2)^2 + (1 - x_i)^2 over x[0..n).
// Scratch space is allocated once per call, outside the loop.
void gd_ext_rosenbrock(double* x, std::size_t n, double lr, std::size_t steps);
void gd_ext_rosenbrock_grad_only(double* x, std::size_t n, double lr, std::size_t steps);
void momentum_ext_rosenbrock(double* x, std::size_t n, double lr, double beta, std::size_t steps);
void adam_ext_rosenbrock(double* x, std::size_t n, double lr, double b1, double b2, double eps, std::size_t steps);

} // namespace symdiff::baseline
