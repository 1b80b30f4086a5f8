/// \file What a point is (minimum, saddle, maximum) and the verdict of a run: the one place
/// the verdict rules live (optimize.hpp, "Verdict").
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "symdiff/optimize.hpp"
#include "symdiff/point_test.hpp"

namespace symdiff {

std::string_view point_kind_name(PointKind k) {
    switch (k) {
    case PointKind::Minimum: return "minimum";
    case PointKind::Maximum: return "maximum";
    case PointKind::Saddle: return "saddle";
    case PointKind::Degenerate: return "degenerate";
    }
    return "?";
}

namespace {

bool all_finite(std::span<const double> v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

// Below this an eigenvalue is 0: rounding in a symbolic Hessian's entries is relative to its
// largest ones, and a probe's finite differences carry a much larger error.
double zero_tolerance(const Curvature& c) {
    double big = 0;
    for (double l : c.eigenvalues) big = std::max(big, std::fabs(l));
    return (c.probed ? 1e-6 : 1e-8) * big;
}

} // namespace

bool Curvature::negative() const {
    return !eigenvalues.empty() && all_finite(eigenvalues) && eigenvalues.front() < -zero_tolerance(*this);
}

bool Curvature::positive() const {
    return !eigenvalues.empty() && all_finite(eigenvalues) && eigenvalues.back() > zero_tolerance(*this);
}

std::vector<double> symmetric_eigenvalues(std::span<const double> in, std::size_t n) {
    std::vector<double> a(n * n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) a[i * n + j] = i >= j ? in[i * n + j] : in[j * n + i];
    if (!all_finite(a)) return std::vector<double>(n, std::numeric_limits<double>::quiet_NaN());
    // Cyclic Jacobi: each rotation zeroes one off-diagonal pair; the off-diagonal mass falls
    // quadratically once small, so a handful of sweeps reach rounding for n <= 64.
    for (int sweep = 0; sweep < 64; ++sweep) {
        double off = 0, all = 0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                const double v = a[i * n + j] * a[i * n + j];
                all += v;
                if (i != j) off += v;
            }
        if (off <= 1e-32 * all) break;
        for (std::size_t p = 0; p + 1 < n; ++p)
            for (std::size_t q = p + 1; q < n; ++q) {
                const double apq = a[p * n + q];
                if (apq == 0) continue;
                const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                const double t = std::isinf(theta * theta) ? 0.5 / theta
                                                            : std::copysign(1.0, theta) /
                                                                  (std::fabs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (std::size_t k = 0; k < n; ++k) {
                    const double kp = a[k * n + p], kq = a[k * n + q];
                    a[k * n + p] = c * kp - s * kq;
                    a[k * n + q] = s * kp + c * kq;
                }
                for (std::size_t k = 0; k < n; ++k) {
                    const double pk = a[p * n + k], qk = a[q * n + k];
                    a[p * n + k] = c * pk - s * qk;
                    a[q * n + k] = s * pk + c * qk;
                }
            }
    }
    std::vector<double> d(n);
    for (std::size_t i = 0; i < n; ++i) d[i] = a[i * n + i];
    std::sort(d.begin(), d.end());
    return d;
}

Curvature classify_curvature(std::vector<double> eigenvalues, bool probed) {
    Curvature c;
    std::sort(eigenvalues.begin(), eigenvalues.end());
    c.eigenvalues = std::move(eigenvalues);
    c.probed = probed;
    const bool neg = c.negative(), pos = c.positive();
    const double tol = zero_tolerance(c);
    const bool zero = !all_finite(c.eigenvalues) ||
                      std::any_of(c.eigenvalues.begin(), c.eigenvalues.end(), [&](double l) { return std::fabs(l) <= tol; });
    if (neg && pos) c.kind = PointKind::Saddle;
    else if (zero) c.kind = PointKind::Degenerate;
    else if (neg) c.kind = PointKind::Maximum;
    else c.kind = PointKind::Minimum;
    return c;
}

Curvature probe_curvature(std::size_t n, const std::function<void(const double*, double*)>& hv) {
    const std::size_t k = std::min(n, kProbeSteps);
    auto dot = [n](const double* a, const double* b) {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
        return s;
    };
    // A fixed start, so that a run's report is the same every time; pseudo-random so that it
    // is not orthogonal to the directions that matter, as a structured vector could be.
    std::mt19937_64 rng(0x5eed);
    std::vector<std::vector<double>> q(1, std::vector<double>(n));
    for (double& v : q[0]) v = static_cast<double>(rng() >> 11) * 0x1.0p-53 - 0.5;
    double norm0 = std::sqrt(dot(q[0].data(), q[0].data()));
    for (double& v : q[0]) v /= norm0;
    std::vector<double> alpha, beta;
    std::vector<double> w(n);
    for (std::size_t j = 0; j < k; ++j) {
        hv(q[j].data(), w.data());
        const double a = dot(q[j].data(), w.data());
        alpha.push_back(a);
        // Full reorthogonalisation, twice: with 30 vectors it is cheap, and it keeps the Ritz
        // values from repeating.
        for (int pass = 0; pass < 2; ++pass)
            for (const auto& qi : q) {
                const double c = dot(qi.data(), w.data());
                for (std::size_t i = 0; i < n; ++i) w[i] -= c * qi[i];
            }
        const double b = std::sqrt(dot(w.data(), w.data()));
        if (j + 1 == k || !(b > 1e-12 * std::max(1.0, std::fabs(a)))) break;
        beta.push_back(b);
        q.emplace_back(n);
        for (std::size_t i = 0; i < n; ++i) q.back()[i] = w[i] / b;
    }
    const std::size_t m = alpha.size();
    std::vector<double> t(m * m, 0.0);
    for (std::size_t i = 0; i < m; ++i) {
        t[i * m + i] = alpha[i];
        if (i + 1 < m) t[(i + 1) * m + i] = t[i * m + i + 1] = beta[i];
    }
    return classify_curvature(symmetric_eigenvalues(t, m), true);
}

void gradient_difference_hv(KernelRef kernel, std::span<const double> x, const double* v, double* out) {
    const std::size_t n = x.size();
    double xmax = 1, vmax = 0;
    for (std::size_t i = 0; i < n; ++i) {
        xmax = std::max(xmax, std::fabs(x[i]));
        vmax = std::max(vmax, std::fabs(v[i]));
    }
    if (vmax == 0) {
        std::fill(out, out + n, 0.0);
        return;
    }
    // The step of central differences: cbrt(eps) balances rounding against the O(h^2) error.
    const double h = 6.055454452393343e-06 * xmax / vmax;
    std::vector<double> p(x.begin(), x.end()), m(x.begin(), x.end()), gp(n + 1), gm(n + 1);
    for (std::size_t i = 0; i < n; ++i) {
        p[i] += h * v[i];
        m[i] -= h * v[i];
    }
    kernel(p.data(), gp.data());
    kernel(m.data(), gm.data());
    for (std::size_t i = 0; i < n; ++i) out[i] = (gp[i + 1] - gm[i + 1]) / (2 * h);
}

std::string_view verdict_name(Verdict v) {
    switch (v) {
    case Verdict::Converged: return "converged";
    case Verdict::Slow: return "slow";
    case Verdict::Diverged: return "diverged";
    case Verdict::Saddle: return "saddle";
    case Verdict::Maximum: return "maximum";
    case Verdict::Unbounded: return "unbounded";
    }
    return "?";
}

double converged_threshold(const Report& r, const Options& options, double converged) {
    return converged >= 0 ? converged : std::max(options.grad_tol, 1e-3 * r.grad_norm_start);
}

Assessment assess(const Report& r, double converged_grad,
                  const std::function<Curvature(std::span<const double>)>& curvature) {
    Assessment a;
    if (r.reason == StopReason::Diverged || !std::isfinite(r.f)) {
        // Past the bound below (or -inf) is a descent without end, not an iteration that blew up.
        a.verdict = r.f < r.f_start ? Verdict::Unbounded : Verdict::Diverged;
        return a;
    }
    if (!(r.f <= r.f_start)) {
        a.verdict = Verdict::Diverged;
        return a;
    }
    const bool critical = r.reason == StopReason::GradientTolerance || r.reason == StopReason::FunctionTolerance ||
                          r.grad_norm <= converged_grad;
    if (!critical) {
        // Going down while the slope does not shrink: x^2 - y^2 leaving its saddle, or a
        // linear function. A run that is slowly getting somewhere has a smaller slope.
        a.verdict = r.f < r.f_start && r.grad_norm >= r.grad_norm_start ? Verdict::Unbounded : Verdict::Slow;
        // L-BFGS and Newton stop when no step along the direction lets the slope level off;
        // where f also curves down, f falls along it without end.
        if (a.verdict == Verdict::Slow && r.reason == StopReason::LineSearchFailed && r.f < r.f_start && curvature &&
            curvature(r.x).negative())
            a.verdict = Verdict::Unbounded;
        return a;
    }
    a.verdict = Verdict::Converged;
    if (curvature) {
        a.point = curvature(r.x);
        if (a.point->negative()) a.verdict = a.point->positive() ? Verdict::Saddle : Verdict::Maximum;
    }
    return a;
}

std::string describe_curvature(const Curvature& c) {
    std::string s(point_kind_name(c.kind));
    const auto& ev = c.eigenvalues;
    if (ev.empty()) return s;
    if (!all_finite(ev)) return s + ": the Hessian is not finite there";
    if (c.probed) {
        return s + ": Hessian eigenvalues estimated by " + std::to_string(ev.size()) +
               " Hessian-vector products, from " + format_double(ev.front()) + " to " + format_double(ev.back());
    }
    s += ": Hessian eigenvalues ";
    if (ev.size() <= 10) {
        for (std::size_t i = 0; i < ev.size(); ++i) s += (i ? ", " : "") + format_double(ev[i]);
        return s;
    }
    const std::size_t neg = static_cast<std::size_t>(
        std::count_if(ev.begin(), ev.end(), [&](double l) { return l < -zero_tolerance(c); }));
    return s + "from " + format_double(ev.front()) + " to " + format_double(ev.back()) + " (" + std::to_string(neg) +
           " negative of " + std::to_string(ev.size()) + ")";
}

bool is_critical(const Curvature& c, double grad_norm) {
    double big = 1;
    for (double l : c.eigenvalues) big = std::max(big, std::fabs(l));
    return grad_norm <= 1e-8 * big;
}

std::string describe_point(const Curvature& c, double grad_norm) {
    if (!all_finite(c.eigenvalues)) return "unknown: the Hessian is not finite there";
    if (is_critical(c, grad_norm)) {
        switch (c.kind) {
        case PointKind::Minimum: return "minimum (grad f = 0, every eigenvalue positive)";
        case PointKind::Maximum: return "maximum (grad f = 0, every eigenvalue negative)";
        case PointKind::Saddle: return "saddle (grad f = 0, eigenvalues of both signs)";
        case PointKind::Degenerate:
            return "degenerate (grad f = 0, an eigenvalue is 0: the second-derivative test cannot tell)";
        }
    }
    const char* hessian = "";
    switch (c.kind) {
    case PointKind::Minimum: hessian = "positive definite"; break;
    case PointKind::Maximum: hessian = "negative definite"; break;
    case PointKind::Saddle: hessian = "indefinite"; break;
    case PointKind::Degenerate: hessian = "singular"; break;
    }
    return "not a critical point: |grad f| = " + format_double(grad_norm) + "; the Hessian is " + hessian + " there";
}

PointTest second_derivative_test(std::span<const double> hessian, std::size_t n, std::span<const double> gradient) {
    PointTest t;
    double g2 = 0;
    for (double d : gradient) g2 += d * d;
    t.grad_norm = std::sqrt(g2);
    t.curvature = classify_curvature(symmetric_eigenvalues(hessian, n));
    t.description = describe_point(t.curvature, t.grad_norm);
    return t;
}

std::string format_assessment(const Assessment& a) {
    std::string s;
    if (a.point) s += "point:    " + describe_curvature(*a.point) + "\n";
    return s + "verdict:  " + std::string(verdict_name(a.verdict)) + "\n";
}

} // namespace symdiff
