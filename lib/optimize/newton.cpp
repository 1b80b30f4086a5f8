/// \file Newton's method on the Hessian kernel, with Levenberg damping and a line search.
#include <algorithm>
#include <cmath>
#include <vector>

#include "optimize/driver.hpp"
#include "optimize/line_search.hpp"

namespace symdiff {
namespace {

/// Largest |i - j| with H[i][j] != 0 in the lower triangle: the half-bandwidth the
/// factorisation needs. Exact zeros are structural here (the symbolic Hessian has them where
/// no term couples two variables), so this is the sparsity of the problem, found at no cost
/// beyond reading H.
std::size_t bandwidth(const std::vector<double>& h, std::size_t n) {
    std::size_t b = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j + b < i; ++j)
            if (h[i * n + j] != 0) {
                b = i - j;
                break;
            }
    return b;
}

/// Cholesky factor L of a symmetric band matrix, stored as n rows of the b+1 entries
/// L[i][i-b .. i]; O(n·b²).
class BandCholesky {
public:
    BandCholesky(std::size_t n) : n_(n) {}

    /// Factors H + tau·I; false if it is not (numerically) positive definite.
    bool factor(const std::vector<double>& h, std::size_t b, double tau) {
        b_ = b;
        const std::size_t w = b + 1;
        l_.assign(n_ * w, 0.0);
        for (std::size_t i = 0; i < n_; ++i) {
            const std::size_t lo = i > b ? i - b : 0;
            for (std::size_t j = lo; j <= i; ++j) {
                double s = h[i * n_ + j] + (i == j ? tau : 0.0);
                for (std::size_t k = lo; k < j; ++k) s -= at(i, k) * at(j, k);
                if (i == j) {
                    if (!(s > 0) || !std::isfinite(s)) return false;
                    at(i, i) = std::sqrt(s);
                } else {
                    at(i, j) = s / at(j, j);
                }
            }
        }
        return true;
    }

    /// Solves L·Lᵀ·p = rhs in place.
    void solve(std::vector<double>& p) const {
        for (std::size_t i = 0; i < n_; ++i) {
            const std::size_t lo = i > b_ ? i - b_ : 0;
            double s = p[i];
            for (std::size_t k = lo; k < i; ++k) s -= at(i, k) * p[k];
            p[i] = s / at(i, i);
        }
        for (std::size_t i = n_; i-- > 0;) {
            const std::size_t hi = std::min(n_ - 1, i + b_);
            double s = p[i];
            for (std::size_t k = i + 1; k <= hi; ++k) s -= at(k, i) * p[k];
            p[i] = s / at(i, i);
        }
    }

private:
    double& at(std::size_t i, std::size_t j) { return l_[i * (b_ + 1) + (j + b_ - i)]; }
    double at(std::size_t i, std::size_t j) const { return l_[i * (b_ + 1) + (j + b_ - i)]; }
    std::size_t n_, b_ = 0;
    std::vector<double> l_;
};

} // namespace

Report minimize_newton(KernelRef kernel, KernelRef hessian, std::span<const double> start, const Options& options,
                       CallbackRef callback) {
    Report r;
    detail::Driver drive(options, r, callback, start);
    const std::size_t n = start.size();
    std::vector<double> x(start.begin(), start.end()), cur(n + 1), h(n * n), p(n);
    kernel(x.data(), cur.data());
    std::size_t evaluations = 1;
    drive.set_start(cur[0], cur.data() + 1);

    BandCholesky chol(n);
    detail::LineSearch ls(kernel, n, options.wolfe_c1, options.wolfe_c2);
    std::size_t k = 0;
    while (!drive.stop_at(k, x.data(), cur[0], cur.data() + 1)) {
        const double* g = cur.data() + 1;
        hessian(x.data(), h.data());
        const std::size_t b = bandwidth(h, n);
        // Cholesky with an added multiple of the identity (Nocedal & Wright, Algorithm 3.3):
        // τ grows from 0 (or from just above -min H_ii) until H + τI is positive definite, so
        // an indefinite Hessian still yields a descent direction.
        double min_diag = h[0], max_diag = 0;
        for (std::size_t i = 0; i < n; ++i) {
            min_diag = std::min(min_diag, h[i * n + i]);
            max_diag = std::max(max_diag, std::fabs(h[i * n + i]));
        }
        const double beta = 1e-3 * std::max(1.0, max_diag);
        double tau = min_diag > 0 ? 0.0 : beta - min_diag;
        bool factored = false;
        for (int attempt = 0; attempt < 80 && std::isfinite(tau); ++attempt) {
            if ((factored = chol.factor(h, b, tau))) break;
            tau = std::max(2.0 * tau, beta);
        }
        if (!factored) {
            drive.stop(StopReason::LineSearchFailed,
                       "the Hessian at step " + std::to_string(k) + " could not be made positive definite");
            break;
        }
        for (std::size_t i = 0; i < n; ++i) p[i] = -g[i];
        chol.solve(p);
        double dg = 0;
        for (std::size_t i = 0; i < n; ++i) dg += p[i] * g[i];
        if (!(dg < 0)) {
            for (std::size_t i = 0; i < n; ++i) p[i] = -g[i];
            dg = -detail::norm2(g, n);
        }
        const auto res = ls.search(x, p, cur[0], dg, 1.0);
        if (res.alpha == 0) {
            drive.stop(StopReason::LineSearchFailed,
                       detail::finish_message(StopReason::LineSearchFailed, k, detail::norm(g, n), 0));
            break;
        }
        x = ls.trial;
        cur = ls.out;
        ++k;
    }
    drive.finish(k, x.data(), cur[0], cur.data() + 1, evaluations + ls.evaluations);
    return r;
}

} // namespace symdiff
