/// \file The first-order loop behind minimize() (optimize.hpp), and what a run does before its
/// first step and after its last. A template on the kernel type, so it lives in a header;
/// not part of the API (optimize.hpp includes it at its end). The update rules themselves are
/// in descent_rules.hpp, written once for this loop and for the generated one.
#pragma once

#include <array>
#include <vector>

#include "symdiff/detail/descent_rules.hpp"
#include "symdiff/optimize.hpp"

namespace symdiff::detail {

/// Compile-time choices of the first-order loop; each is a template flag so that what is off
/// costs nothing per step.
struct LoopFlags {
    bool checked;   ///< grad_tol or f_tol is on
    bool scheduled; ///< the rate changes per step
    bool observed;  ///< callback or trace
};

[[noreturn]] void throw_bad_options(const std::string& what);
void validate(std::size_t n, std::span<const double> start, const Options& o);
std::string diverged_message(std::size_t step, double f, double limit);
std::string finish_message(StopReason r, std::size_t step, double value, double tol);
double norm(const double* g, std::size_t n);
void record(Trace& t, std::size_t step, const double* x, double f, double gnorm);

/// ‖g‖², as the generated loop computes it.
inline double norm2(const double* g, std::size_t n) {
    return sum_of_squares(n, 0.0, [g](std::size_t i) { return g[i]; });
}

/// The incremental form of Schedule::rate.
class RateSequence {
public:
    RateSequence(const Schedule& s, double eta) : s_(s), eta0_(eta), eta_(eta), left_(s.every) {}
    double current() const { return eta_; }
    /// Moves from η_t to η_{t+1}; `t_next` is t + 1.
    void advance(std::size_t t_next) {
        switch (s_.kind) {
        case Schedule::Kind::Constant: break;
        case Schedule::Kind::Step:
            if (--left_ == 0) {
                eta_ *= s_.gamma;
                left_ = s_.every;
            }
            break;
        case Schedule::Kind::Exponential: eta_ *= s_.gamma; break;
        case Schedule::Kind::InverseTime: eta_ = eta0_ / (1.0 + s_.gamma * static_cast<double>(t_next)); break;
        }
    }

private:
    Schedule s_;
    double eta0_, eta_;
    std::size_t left_;
};

/// The C++ evaluation of a rule of descent_rules.hpp: owns the rule's state (allocated once,
/// before the loop) and moves x by one step.
template <class R>
class Stepper {
public:
    Stepper(std::size_t n, const Options& o) : c_{1.0, o.momentum, o.beta1, o.beta2, o.epsilon, o.rho} {
        for (std::vector<double>& a : arrays_) a.assign(n, 0.0);
        R::start(scalars_.data(), c_);
    }
    void update(double* x, const double* g, std::size_t n, double eta) {
        const auto step = R::begin(scalars_.data(), c_);
        std::array<double*, R::arrays> s;
        for (std::size_t a = 0; a < R::arrays; ++a) s[a] = arrays_[a].data();
        // The rule reads and writes the state in place, as a loop written for it would.
        for (std::size_t i = 0; i < n; ++i) x[i] = R::update(x[i], g[i], Element{s.data(), i}, eta, c_, step);
    }

private:
    /// Element i of each state array.
    struct Element {
        double* const* arrays;
        std::size_t i;
        double& operator[](std::size_t a) const { return arrays[a][i]; }
    };

    RuleConstants<double> c_;
    std::array<std::vector<double>, R::arrays> arrays_;
    std::array<double, R::scalars> scalars_{};
};

using GdRule = Stepper<rules::Gd>;
using MomentumAccumulateRule = Stepper<rules::MomentumAccumulate>;
using MomentumVelocityRule = Stepper<rules::MomentumVelocity>;
using NesterovRule = Stepper<rules::Nesterov>;
using AdamRule = Stepper<rules::Adam>;
using RmsPropRule = Stepper<rules::RmsProp>;

// What a first-order run does before its first step and after its last, shared by the C++
// loop below and Objective's generated loop (jit/descent.hpp): the two must report the same
// run to the last bit and word, so neither writes a field of the report itself.

/// Checks the options and starts the report at `start` (r.x is the point the loop moves).
inline Report begin_report(std::span<const double> start, const Options& o) {
    validate(start.size(), start, o);
    Report r;
    r.method = o.method;
    r.start.assign(start.begin(), start.end());
    r.x = r.start;
    r.trace.dims = start.size();
    return r;
}

/// Records f and ‖∇f‖ at the start from `out` (f, then the n partials) and returns the bound on
/// |f| past which the run has diverged.
inline double start_values(Report& r, const double* out, std::size_t n, const Options& o) {
    r.f_start = out[0];
    r.grad_norm_start = norm(out + 1, n);
    return std::isinf(o.diverge_factor) ? std::numeric_limits<double>::max()
                                        : o.diverge_factor * std::max(1.0, std::fabs(out[0]));
}

/// Ends the report of a run stopped for `reason` after `steps` updates, `out` holding f and ∇f
/// at the final point. f_prev is f one step earlier (read for FunctionTolerance only) and
/// `limit` is what start_values returned.
inline void finish_report(Report& r, StopReason reason, std::size_t steps, const double* out, std::size_t n,
                          double f_prev, double limit, const Options& o) {
    r.steps = steps;
    r.evaluations = steps + 1;
    r.f = out[0];
    r.grad_norm = norm(out + 1, n);
    r.reason = reason;
    switch (reason) {
    case StopReason::Diverged: r.message = diverged_message(steps, r.f, limit); break;
    case StopReason::GradientTolerance: r.message = finish_message(reason, steps, r.grad_norm, o.grad_tol); break;
    case StopReason::FunctionTolerance:
        r.message = finish_message(reason, steps, std::fabs(r.f - f_prev), o.f_tol);
        break;
    default: r.message = finish_message(reason, steps, r.grad_norm, 0); break;
    }
}

/// Callback and trace together; only instantiated when one of them is on.
template <class Callback>
struct Observer {
    Callback* callback;
    Trace* trace;
    std::size_t every;
    std::size_t n;
    bool operator()(std::size_t k, const double* x, double f, const double* g) {
        if (trace && k % every == 0) record(*trace, k, x, f, norm(g, n));
        if constexpr (!std::is_same_v<Callback, std::nullptr_t>) {
            if (callback) return (*callback)(StepInfo{k, {x, n}, f, {g, n}});
        }
        return true;
    }
};

/// The first-order loop. One kernel call per step, then the checks that are switched on, then
/// the update. Dims is the number of coordinates when it is known at compile time (0: not),
/// so that the update of a small problem is straight-line code, as in a hand-written loop.
template <bool Checked, bool Scheduled, bool Observed, class Rule, std::size_t Dims, class Kernel, class Obs>
void run_first_order(const Kernel& kernel, std::size_t n_runtime, const Options& o, Report& r, Obs& observe) {
    const std::size_t n = Dims != 0 ? Dims : n_runtime;
    Rule rule(n, o);
    std::vector<double> out(n + 1);
    double* x = r.x.data();
    double* buf = out.data();
    const double* g = buf + 1;
    const std::size_t max_steps = o.max_steps;
    const double tol2 = o.grad_tol * o.grad_tol;
    const double ftol = o.f_tol;
    RateSequence rate(o.schedule, o.lr);
    double eta = o.lr;
    const volatile std::sig_atomic_t* const stop_flag = o.stop;

    kernel(static_cast<const double*>(x), buf);
    const double limit = start_values(r, buf, n, o);
    double f_prev = buf[0];
    std::size_t k = 0;
    StopReason stop = StopReason::MaxSteps;
    for (;;) {
        const double f = buf[0];
        if (!(std::fabs(f) <= limit)) [[unlikely]] {
            stop = StopReason::Diverged;
            break;
        }
        if constexpr (Observed) {
            if (!observe(k, x, f, g)) {
                stop = StopReason::Callback;
                break;
            }
        }
        if (stop_flag != nullptr && *stop_flag != 0) [[unlikely]] {
            stop = StopReason::Interrupted;
            break;
        }
        if constexpr (Checked) {
            if (tol2 > 0 && norm2(g, n) < tol2) {
                stop = StopReason::GradientTolerance;
                break;
            }
            if (ftol > 0 && k > 0 && std::fabs(f - f_prev) <= ftol * std::max(1.0, std::fabs(f))) {
                stop = StopReason::FunctionTolerance;
                break;
            }
            f_prev = f;
        }
        if (k == max_steps) {
            stop = StopReason::MaxSteps;
            break;
        }
        rule.update(x, g, n, eta);
        ++k;
        if constexpr (Scheduled) {
            rate.advance(k);
            eta = rate.current();
        }
        kernel(static_cast<const double*>(x), buf);
    }
    finish_report(r, stop, k, buf, n, f_prev, limit, o);
}

template <class Rule, class Kernel, class Callback>
void dispatch_flags(const Kernel& kernel, std::size_t n, const Options& o, Report& r, Callback* cb) {
    const bool checked = o.grad_tol > 0 || o.f_tol > 0;
    const bool scheduled = o.schedule.kind != Schedule::Kind::Constant;
    const bool observed = cb != nullptr || o.trace_every > 0;
    Observer<Callback> obs{cb, o.trace_every > 0 ? &r.trace : nullptr, o.trace_every, n};
    // Eight instantiations, each the plain loop with exactly its checks; the unobserved ones
    // also come for one and two coordinates (the tutorials' problems), where a runtime-length
    // update loop would cost as much as the update itself.
    auto go = [&]<bool C, bool S, bool O>() {
        if constexpr (!O) {
            if (n == 1) return run_first_order<C, S, O, Rule, 1>(kernel, n, o, r, obs);
            if (n == 2) return run_first_order<C, S, O, Rule, 2>(kernel, n, o, r, obs);
        }
        run_first_order<C, S, O, Rule, 0>(kernel, n, o, r, obs);
    };
    if (checked) {
        if (scheduled) observed ? go.template operator()<true, true, true>() : go.template operator()<true, true, false>();
        else observed ? go.template operator()<true, false, true>() : go.template operator()<true, false, false>();
    } else {
        if (scheduled) observed ? go.template operator()<false, true, true>() : go.template operator()<false, true, false>();
        else observed ? go.template operator()<false, false, true>() : go.template operator()<false, false, false>();
    }
}

template <class Kernel, class Callback>
Report minimize_first_order(const Kernel& kernel, std::span<const double> start, const Options& o,
                            Callback* cb) {
    const std::size_t n = start.size();
    Report r = begin_report(start, o);
    const auto t0 = std::chrono::steady_clock::now();
    switch (o.method) {
    case Method::GradientDescent: dispatch_flags<GdRule>(kernel, n, o, r, cb); break;
    case Method::Momentum:
        if (o.momentum_form == MomentumForm::Accumulate)
            dispatch_flags<MomentumAccumulateRule>(kernel, n, o, r, cb);
        else
            dispatch_flags<MomentumVelocityRule>(kernel, n, o, r, cb);
        break;
    case Method::Nesterov: dispatch_flags<NesterovRule>(kernel, n, o, r, cb); break;
    case Method::Adam: dispatch_flags<AdamRule>(kernel, n, o, r, cb); break;
    case Method::RMSProp: dispatch_flags<RmsPropRule>(kernel, n, o, r, cb); break;
    case Method::LBFGS:
    case Method::Newton: throw_bad_options("internal: second-order method in the first-order loop");
    }
    if (o.trace_every > 0 && (r.trace.size() == 0 || r.trace.step.back() != r.steps))
        record(r.trace, r.steps, r.x.data(), r.f, r.grad_norm);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

} // namespace symdiff::detail
