/// \file The strong-Wolfe line search shared by L-BFGS and Newton.
#include "optimize/line_search.hpp"

#include <algorithm>
#include <cmath>

namespace symdiff::detail {
namespace {

/// Minimiser of the cubic that matches φ and φ' at a and b (Nocedal & Wright eq. 3.59),
/// kept at least 10% of the interval away from both ends; bisection when the cubic has no
/// usable minimiser (or the data are not finite).
double cubic_step(double a, double fa, double da, double b, double fb, double db) {
    const double lo = std::min(a, b), hi = std::max(a, b);
    const double margin = 0.1 * (hi - lo);
    const double d1 = da + db - 3.0 * (fa - fb) / (a - b);
    const double disc = d1 * d1 - da * db;
    double t = 0.5 * (a + b);
    if (disc >= 0) {
        const double d2 = std::copysign(std::sqrt(disc), b - a);
        const double denom = db - da + 2.0 * d2;
        if (denom != 0) {
            const double c = b - (b - a) * (db + d2 - d1) / denom;
            if (std::isfinite(c)) t = c;
        }
    }
    if (!(t >= lo + margin && t <= hi - margin)) t = 0.5 * (a + b);
    return t;
}

constexpr int kMaxBracket = 60;
constexpr int kMaxZoom = 60;

} // namespace

double LineSearch::phi(std::span<const double> x, std::span<const double> p, double alpha, double& dphi) {
    for (std::size_t i = 0; i < n; ++i) trial[i] = x[i] + alpha * p[i];
    kernel(trial.data(), out.data());
    ++evaluations;
    double d = 0;
    for (std::size_t i = 0; i < n; ++i) d += out[i + 1] * p[i];
    dphi = d;
    return out[0];
}

LineSearch::Result LineSearch::search(std::span<const double> x, std::span<const double> p, double f0,
                                      double dphi0, double alpha0) {
    double a_prev = 0, f_prev = f0, d_prev = dphi0;
    double a = alpha0;
    for (int i = 0; i < kMaxBracket; ++i) {
        double d;
        const double f = phi(x, p, a, d);
        if (!std::isfinite(f) || !std::isfinite(d)) {
            // Stepped off where f is defined (or overflowed): shrink towards the last good step.
            a = a_prev + 0.25 * (a - a_prev);
            if (a - a_prev <= 1e-300) break;
            continue;
        }
        if (f > f0 + c1 * a * dphi0 || (i > 0 && f >= f_prev))
            return zoom(x, p, f0, dphi0, a_prev, f_prev, d_prev, a, f, d);
        if (std::fabs(d) <= -c2 * dphi0) return {true, a};
        if (d >= 0) return zoom(x, p, f0, dphi0, a, f, d, a_prev, f_prev, d_prev);
        a_prev = a;
        f_prev = f;
        d_prev = d;
        a *= 2.0;
    }
    return {false, 0.0};
}

LineSearch::Result LineSearch::zoom(std::span<const double> x, std::span<const double> p, double f0, double dphi0,
                                    double lo, double flo, double dlo, double hi, double fhi, double dhi) {
    for (int j = 0; j < kMaxZoom; ++j) {
        // Once the bracket is below rounding, no further trial can tell the ends apart.
        if (std::fabs(hi - lo) <= 1e-16 * std::max(std::fabs(lo), std::fabs(hi))) break;
        const double a = cubic_step(lo, flo, dlo, hi, fhi, dhi);
        double d;
        const double f = phi(x, p, a, d);
        if (!std::isfinite(f) || f > f0 + c1 * a * dphi0 || f >= flo) {
            hi = a;
            fhi = std::isfinite(f) ? f : flo;
            dhi = std::isfinite(d) ? d : dlo;
            continue;
        }
        if (std::fabs(d) <= -c2 * dphi0) return {true, a};
        if (d * (hi - lo) >= 0) {
            hi = lo;
            fhi = flo;
            dhi = dlo;
        }
        lo = a;
        flo = f;
        dlo = d;
    }
    // No Wolfe point found; `lo` still satisfies sufficient decrease if it moved at all, and a
    // decrease is better than stopping.
    if (lo > 0 && flo < f0) {
        double d;
        phi(x, p, lo, d);
        return {false, lo};
    }
    return {false, 0.0};
}

} // namespace symdiff::detail
