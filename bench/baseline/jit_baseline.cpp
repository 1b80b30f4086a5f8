// The careful engineer's Rosenbrock kernels: one pass, each shared term computed once.
#include "jit_baseline.hpp"
#include "jit_baseline_rosenbrock.hpp"

namespace symdiff::baseline {

void rosenbrock_grad(const double* in, double* out) { detail::rosenbrock_grad_body(in, out); }

double ext_rosenbrock(const double* x, std::size_t n) {
    double f = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double a = 1 - x[i];
        const double b = x[i + 1] - x[i] * x[i];
        f += 100 * b * b + a * a;
    }
    return f;
}

void ext_rosenbrock_grad(const double* x, std::size_t n, double* out) {
    double f = 0;
    double* g = out + 1;
    for (std::size_t i = 0; i < n; ++i) g[i] = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double a = 1 - x[i];
        const double b = x[i + 1] - x[i] * x[i];
        f += 100 * b * b + a * a;
        g[i] += -400 * x[i] * b - 2 * a;
        g[i + 1] += 200 * b;
    }
    out[0] = f;
}

} // namespace symdiff::baseline
