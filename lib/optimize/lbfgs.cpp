/// \file L-BFGS: quasi-Newton steps from the last m (s, y) pairs, with a strong-Wolfe line search.
#include <algorithm>
#include <cmath>
#include <vector>

#include "optimize/driver.hpp"
#include "optimize/line_search.hpp"

namespace symdiff {
namespace {

double dot(const double* a, const double* b, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

/// The last m pairs s = x_{k+1} - x_k, y = ∇f_{k+1} - ∇f_k in a ring, and the two-loop
/// recursion that applies the inverse-Hessian approximation they define to a vector
/// (Nocedal & Wright, Algorithm 7.4), with H0 = (sᵀy / yᵀy)·I from the newest pair.
class History {
public:
    History(std::size_t m, std::size_t n) : m_(m), n_(n), s_(m * n), y_(m * n), rho_(m), alpha_(m) {}

    void clear() { size_ = 0; }
    bool empty() const { return size_ == 0; }

    /// Keeps the pair only if sᵀy > 0 (clearly), which keeps the approximation positive definite.
    void push(const double* s, const double* y) {
        const double sy = dot(s, y, n_);
        const double ss = dot(s, s, n_), yy = dot(y, y, n_);
        if (!(sy > 1e-12 * std::sqrt(ss * yy))) return;
        std::size_t at;
        if (size_ < m_) {
            at = (head_ + size_) % m_;
            ++size_;
        } else {
            at = head_; // overwrite the oldest pair
            head_ = (head_ + 1) % m_;
        }
        std::copy(s, s + n_, s_.begin() + at * n_);
        std::copy(y, y + n_, y_.begin() + at * n_);
        rho_[at] = 1.0 / sy;
        gamma_ = sy / yy;
    }

    /// d = -H·g.
    void direction(const double* g, double* d) {
        std::copy(g, g + n_, d);
        for (std::size_t j = size_; j-- > 0;) {
            const std::size_t i = (head_ + j) % m_;
            alpha_[i] = rho_[i] * dot(&s_[i * n_], d, n_);
            const double* y = &y_[i * n_];
            for (std::size_t t = 0; t < n_; ++t) d[t] -= alpha_[i] * y[t];
        }
        if (size_ > 0)
            for (std::size_t t = 0; t < n_; ++t) d[t] *= gamma_;
        for (std::size_t j = 0; j < size_; ++j) {
            const std::size_t i = (head_ + j) % m_;
            const double beta = rho_[i] * dot(&y_[i * n_], d, n_);
            const double* s = &s_[i * n_];
            for (std::size_t t = 0; t < n_; ++t) d[t] += (alpha_[i] - beta) * s[t];
        }
        for (std::size_t t = 0; t < n_; ++t) d[t] = -d[t];
    }

private:
    std::size_t m_, n_;
    std::vector<double> s_, y_, rho_, alpha_;
    std::size_t head_ = 0, size_ = 0;
    double gamma_ = 1;
};

} // namespace

Report minimize_lbfgs(KernelRef kernel, std::span<const double> start, const Options& options, CallbackRef callback) {
    Report r;
    detail::Driver drive(options, r, callback, start);
    const std::size_t n = start.size();
    std::vector<double> x(start.begin(), start.end()), cur(n + 1), d(n), s(n), y(n);
    kernel(x.data(), cur.data());
    std::size_t evaluations = 1;
    drive.set_start(cur[0], cur.data() + 1);

    History history(options.lbfgs_memory, n);
    detail::LineSearch ls(kernel, n, options.wolfe_c1, options.wolfe_c2);
    std::size_t k = 0;
    while (!drive.stop_at(k, x.data(), cur[0], cur.data() + 1)) {
        const double* g = cur.data() + 1;
        history.direction(g, d.data());
        double dg = dot(d.data(), g, n);
        if (!(dg < 0)) {
            // Rounding can make the quasi-Newton direction useless; steepest descent always works.
            history.clear();
            for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
            dg = -dot(g, g, n);
        }
        // Without curvature information the first step is scaled to length 1 at most.
        const double alpha0 = history.empty() ? std::min(1.0, 1.0 / std::sqrt(-dg)) : 1.0;
        auto res = ls.search(x, d, cur[0], dg, alpha0);
        if (res.alpha == 0 && !history.empty()) {
            history.clear();
            for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
            dg = -dot(g, g, n);
            res = ls.search(x, d, cur[0], dg, std::min(1.0, 1.0 / std::sqrt(-dg)));
        }
        if (res.alpha == 0) {
            drive.stop(StopReason::LineSearchFailed,
                       detail::finish_message(StopReason::LineSearchFailed, k, detail::norm(g, n), 0));
            break;
        }
        for (std::size_t i = 0; i < n; ++i) {
            s[i] = ls.trial[i] - x[i];
            y[i] = ls.out[i + 1] - g[i];
        }
        history.push(s.data(), y.data());
        x = ls.trial;
        cur = ls.out;
        ++k;
    }
    drive.finish(k, x.data(), cur[0], cur.data() + 1, evaluations + ls.evaluations);
    return r;
}

} // namespace symdiff
