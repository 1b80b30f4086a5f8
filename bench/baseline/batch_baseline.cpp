#include "batch_baseline.hpp"

#include "batch_baseline_body.hpp"

namespace symdiff::baseline {

void rosenbrock_batch(const double* x, const double* y, std::size_t n, double* f, double* gx, double* gy) {
    detail::rosenbrock_batch_body(x, y, n, f, gx, gy);
}

void rosenbrock_grid(const double* xs, std::size_t nx, const double* ys, std::size_t ny, double* f, double* gx,
                     double* gy) {
    for (std::size_t j = 0; j < ny; ++j) {
        const double yj = ys[j];
        double* __restrict fo = f + j * nx;
        double* __restrict go = gx + j * nx;
        double* __restrict ho = gy + j * nx;
        for (std::size_t i = 0; i < nx; ++i) {
            const double x = xs[i];
            const double a = 1 - x;
            const double b = yj - x * x;
            fo[i] = a * a + 100 * b * b;
            go[i] = -2 * a - 400 * x * b;
            ho[i] = 200 * b;
        }
    }
}

} // namespace symdiff::baseline
