// Hand-written optimiser loops over Rosenbrock and extended Rosenbrock (see the header).
#include "optimize_baseline.hpp"

#include <cmath>
#include <vector>

namespace symdiff::baseline {
namespace {

// f and the gradient in one pass, sharing t = y - x^2 as a person (or the JIT) would.
inline double rosenbrock(const double* p, double* g) {
    const double x = p[0], y = p[1];
    const double t = y - x * x, u = 1 - x;
    g[0] = -2 * u - 400 * x * t;
    g[1] = 200 * t;
    return u * u + 100 * t * t;
}

inline double ext_rosenbrock(const double* x, std::size_t n, double* g) {
    double f = 0;
    g[0] = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double t = x[i + 1] - x[i] * x[i], u = 1 - x[i];
        f += 100 * t * t + u * u;
        g[i] += -400 * x[i] * t - 2 * u;
        g[i + 1] = 200 * t;
    }
    return f;
}

inline void ext_rosenbrock_grad(const double* x, std::size_t n, double* g) {
    g[0] = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double t = x[i + 1] - x[i] * x[i], u = 1 - x[i];
        g[i] += -400 * x[i] * t - 2 * u;
        g[i + 1] = 200 * t;
    }
}

} // namespace

void gd_rosenbrock(double* p, double lr, std::size_t steps) {
    double g[2];
    for (std::size_t k = 0; k < steps; ++k) {
        const double f = rosenbrock(p, g);
        if (!std::isfinite(f)) break;
        p[0] -= lr * g[0];
        p[1] -= lr * g[1];
    }
}

void gd_rosenbrock_grad_only(double* p, double lr, std::size_t steps) {
    double x = p[0], y = p[1];
    for (std::size_t k = 0; k < steps; ++k) {
        const double dx = -2 * (1 - x) - 400 * x * (y - x * x);
        const double dy = 200 * (y - x * x);
        x -= lr * dx;
        y -= lr * dy;
    }
    p[0] = x;
    p[1] = y;
}

void momentum_rosenbrock(double* p, double lr, double beta, std::size_t steps) {
    double g[2], v[2] = {0, 0};
    for (std::size_t k = 0; k < steps; ++k) {
        const double f = rosenbrock(p, g);
        if (!std::isfinite(f)) break;
        for (int i = 0; i < 2; ++i) {
            v[i] = beta * v[i] + g[i];
            p[i] -= lr * v[i];
        }
    }
}

void adam_rosenbrock(double* p, double lr, double b1, double b2, double eps, std::size_t steps) {
    double g[2], m[2] = {0, 0}, v[2] = {0, 0}, b1t = 1, b2t = 1;
    for (std::size_t k = 0; k < steps; ++k) {
        const double f = rosenbrock(p, g);
        if (!std::isfinite(f)) break;
        b1t *= b1;
        b2t *= b2;
        const double c1 = 1 / (1 - b1t), c2 = 1 / (1 - b2t);
        for (int i = 0; i < 2; ++i) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * (g[i] * g[i]);
            p[i] -= lr * (m[i] * c1) / (std::sqrt(v[i] * c2) + eps);
        }
    }
}

void gd_ext_rosenbrock(double* x, std::size_t n, double lr, std::size_t steps) {
    std::vector<double> g(n);
    for (std::size_t k = 0; k < steps; ++k) {
        const double f = ext_rosenbrock(x, n, g.data());
        if (!std::isfinite(f)) break;
        for (std::size_t i = 0; i < n; ++i) x[i] -= lr * g[i];
    }
}

void gd_ext_rosenbrock_grad_only(double* x, std::size_t n, double lr, std::size_t steps) {
    std::vector<double> g(n);
    for (std::size_t k = 0; k < steps; ++k) {
        ext_rosenbrock_grad(x, n, g.data());
        for (std::size_t i = 0; i < n; ++i) x[i] -= lr * g[i];
    }
}

void momentum_ext_rosenbrock(double* x, std::size_t n, double lr, double beta, std::size_t steps) {
    std::vector<double> g(n), v(n, 0.0);
    for (std::size_t k = 0; k < steps; ++k) {
        const double f = ext_rosenbrock(x, n, g.data());
        if (!std::isfinite(f)) break;
        for (std::size_t i = 0; i < n; ++i) {
            v[i] = beta * v[i] + g[i];
            x[i] -= lr * v[i];
        }
    }
}

void adam_ext_rosenbrock(double* x, std::size_t n, double lr, double b1, double b2, double eps, std::size_t steps) {
    std::vector<double> g(n), m(n, 0.0), v(n, 0.0);
    double b1t = 1, b2t = 1;
    for (std::size_t k = 0; k < steps; ++k) {
        const double f = ext_rosenbrock(x, n, g.data());
        if (!std::isfinite(f)) break;
        b1t *= b1;
        b2t *= b2;
        const double c1 = 1 / (1 - b1t), c2 = 1 / (1 - b2t);
        for (std::size_t i = 0; i < n; ++i) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * (g[i] * g[i]);
            x[i] -= lr * (m[i] * c1) / (std::sqrt(v[i] * c2) + eps);
        }
    }
}

} // namespace symdiff::baseline
