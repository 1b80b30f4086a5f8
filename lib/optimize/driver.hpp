/// \file The per-iteration bookkeeping L-BFGS and Newton share: stopping rules, callback, trace.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <span>

#include "symdiff/optimize.hpp"

namespace symdiff::detail {

/// Applies, at each iterate, the same stopping rules in the same order as the first-order
/// loop: divergence, callback (and trace), ‖∇f‖, change in f, iteration limit.
class Driver {
public:
    Driver(const Options& o, Report& r, CallbackRef cb, std::span<const double> start)
        : o_(o), r_(r), cb_(cb), t0_(std::chrono::steady_clock::now()) {
        validate(start.size(), start, o);
        r.method = o.method;
        r.start.assign(start.begin(), start.end());
        r.x = r.start;
        r.trace.dims = start.size();
    }

    /// Call once with f and ∇f at the start.
    void set_start(double f0, const double* g0) {
        r_.f_start = f0;
        r_.grad_norm_start = norm(g0, r_.x.size());
        limit_ = std::isinf(o_.diverge_factor) ? std::numeric_limits<double>::max()
                                               : o_.diverge_factor * std::max(1.0, std::fabs(f0));
        f_prev_ = f0;
    }

    /// True if the run stops at iterate k (x, f, g); the report's reason and message are set.
    bool stop_at(std::size_t k, const double* x, double f, const double* g) {
        const std::size_t n = r_.x.size();
        if (!(std::fabs(f) <= limit_)) return stop(StopReason::Diverged, diverged_message(k, f, limit_));
        if (o_.trace_every > 0 && k % o_.trace_every == 0) record(r_.trace, k, x, f, norm(g, n));
        if (cb_ && !cb_(StepInfo{k, {x, n}, f, {g, n}}))
            return stop(StopReason::Callback, finish_message(StopReason::Callback, k, f, 0));
        if (o_.stop != nullptr && *o_.stop != 0) [[unlikely]]
            return stop(StopReason::Interrupted, finish_message(StopReason::Interrupted, k, 0, 0));
        const double gn = norm(g, n);
        if (o_.grad_tol > 0 && gn < o_.grad_tol)
            return stop(StopReason::GradientTolerance, finish_message(StopReason::GradientTolerance, k, gn, o_.grad_tol));
        if (o_.f_tol > 0 && k > 0 && std::fabs(f - f_prev_) <= o_.f_tol * std::max(1.0, std::fabs(f)))
            return stop(StopReason::FunctionTolerance,
                        finish_message(StopReason::FunctionTolerance, k, std::fabs(f - f_prev_), o_.f_tol));
        f_prev_ = f;
        if (k >= o_.max_steps) return stop(StopReason::MaxSteps, finish_message(StopReason::MaxSteps, k, 0, 0));
        return false;
    }

    /// Fills in the final point's values and the time.
    void finish(std::size_t steps, const double* x, double f, const double* g, std::size_t evaluations) {
        const std::size_t n = r_.x.size();
        std::copy(x, x + n, r_.x.begin());
        r_.steps = steps;
        r_.f = f;
        r_.grad_norm = norm(g, n);
        r_.evaluations = evaluations;
        if (o_.trace_every > 0 && (r_.trace.size() == 0 || r_.trace.step.back() != steps))
            record(r_.trace, steps, x, f, r_.grad_norm);
        r_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    }

    bool stop(StopReason why, std::string message) {
        r_.reason = why;
        r_.message = std::move(message);
        return true;
    }

private:
    const Options& o_;
    Report& r_;
    CallbackRef cb_;
    std::chrono::steady_clock::time_point t0_;
    double limit_ = std::numeric_limits<double>::max();
    double f_prev_ = 0;
};

} // namespace symdiff::detail
