// The baselines of bench_loops (loops_baseline.hpp).
#include "loops_baseline.hpp"

namespace symdiff::baseline {

void mse_grad(const double* x, const double* y, std::size_t n, double m, double b, double* out) {
    double s = 0, sx = 0, s1 = 0;
    for (std::size_t r = 0; r < n; ++r) {
        const double e = m * x[r] + b - y[r];
        s += e * e;
        sx += e * x[r];
        s1 += e;
    }
    out[0] = s / n;
    out[1] = 2 * (sx / n);
    out[2] = 2 * (s1 / n);
}

void mse_grad_4(const double* x, const double* y, std::size_t n, double m, double b, double* out) {
    double s[4] = {0, 0, 0, 0}, sx[4] = {0, 0, 0, 0}, s1[4] = {0, 0, 0, 0};
    std::size_t r = 0;
    for (; r + 4 <= n; r += 4)
        for (int l = 0; l < 4; ++l) {
            const double e = m * x[r + l] + b - y[r + l];
            s[l] += e * e;
            sx[l] += e * x[r + l];
            s1[l] += e;
        }
    for (; r < n; ++r) {
        const double e = m * x[r] + b - y[r];
        s[r & 3] += e * e;
        sx[r & 3] += e * x[r];
        s1[r & 3] += e;
    }
    out[0] = ((s[0] + s[1]) + (s[2] + s[3])) / n;
    out[1] = 2 * (((sx[0] + sx[1]) + (sx[2] + sx[3])) / n);
    out[2] = 2 * (((s1[0] + s1[1]) + (s1[2] + s1[3])) / n);
}

void ext_rosenbrock_grad_gather(const double* x, std::size_t n, double* f, double* g) {
    double s = 0;
    for (std::size_t k = 0; k < n; ++k) {
        double gk = 0;
        if (k + 1 < n) {
            const double a = 1 - x[k];
            const double d = x[k + 1] - x[k] * x[k];
            s += 100 * d * d + a * a;
            gk += -400 * x[k] * d - 2 * a;
        }
        if (k >= 1) gk += 200 * (x[k] - x[k - 1] * x[k - 1]);
        g[k] = gk;
    }
    *f = s;
}

double read_sum(const double* a, std::size_t n) {
    // Four vectors of four doubles (GCC's vector extension, so no -ffast-math is needed for
    // the compiler to keep them in registers): far more adds per cycle than memory delivers.
    typedef double v4 __attribute__((vector_size(32)));
    v4 s0 = {0, 0, 0, 0}, s1 = s0, s2 = s0, s3 = s0;
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v4 x0, x1, x2, x3;
        __builtin_memcpy(&x0, a + i, sizeof x0);
        __builtin_memcpy(&x1, a + i + 4, sizeof x1);
        __builtin_memcpy(&x2, a + i + 8, sizeof x2);
        __builtin_memcpy(&x3, a + i + 12, sizeof x3);
        s0 += x0;
        s1 += x1;
        s2 += x2;
        s3 += x3;
    }
    v4 s = (s0 + s1) + (s2 + s3);
    double r = (s[0] + s[1]) + (s[2] + s[3]);
    for (; i < n; ++i) r += a[i];
    return r;
}

} // namespace symdiff::baseline
