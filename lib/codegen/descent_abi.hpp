// Internal to lib: what the generated descent loop and its caller agree on (the rule's number,
// the parameter block it reads, the outcome it writes). It lives with the code generator so that
// lib/codegen needs nothing from lib/jit, which only links and runs what codegen emits.
#pragma once

#include <csignal>
#include <cstdint>

namespace symdiff::detail {

/// The update rules of symdiff/detail/descent_rules.hpp, numbered for the generated code.
enum class DescentRule : std::uint8_t { Gd, MomentumAccumulate, MomentumVelocity, Nesterov, Adam, RmsProp };

/// What the generated loop reads at run time, filled from optimize.hpp's Options. The code
/// generator describes the same layout to LLVM (nine doubles, the step limit, then the stop flag).
struct DescentParams {
    double eta;        ///< the constant learning rate
    double limit;      ///< |f| above this (or nan) stops the run as diverged
    double tol2;       ///< grad_tol²; 0 = off
    double ftol;       ///< f_tol; 0 = off
    double beta;       ///< momentum and Nesterov
    double beta1, beta2, epsilon, rho;
    std::uint64_t max_steps;
    /// Options::stop, never null here (a flag that stays 0 when the run has none): the loop
    /// reads it every 1024 steps, as a 32-bit integer.
    const volatile std::sig_atomic_t* stop;
};
static_assert(sizeof(std::sig_atomic_t) == 4, "the generated loop reads the stop flag as i32");

/// Why the generated loop returned. lib/optimize maps it to StopReason.
enum class DescentStop : std::int32_t {
    MaxSteps = 0,
    Diverged = 1,
    GradientTolerance = 2,
    FunctionTolerance = 3,
    Interrupted = 4,
};

/// What the generated loop reports besides the steps: the reason, and f of the step before
/// the last (the function tolerance message quotes |f - f_prev|).
struct DescentOutcome {
    DescentStop stop = DescentStop::MaxSteps;
    double f_prev = 0;
};

} // namespace symdiff::detail
