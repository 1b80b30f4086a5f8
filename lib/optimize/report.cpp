/// \file Names, schedules, verdicts and the printed report of optimiser runs.
#include <charconv>
#include <cstdio>
#include <cmath>
#include <string>

#include "symdiff/diagnostic.hpp"
#include "symdiff/number.hpp"
#include "symdiff/optimize.hpp"

namespace symdiff {

std::string_view method_name(Method m) {
    switch (m) {
    case Method::GradientDescent: return "gd";
    case Method::Momentum: return "momentum";
    case Method::Nesterov: return "nesterov";
    case Method::Adam: return "adam";
    case Method::RMSProp: return "rmsprop";
    case Method::LBFGS: return "lbfgs";
    case Method::Newton: return "newton";
    }
    return "?";
}

std::optional<Method> method_from_name(std::string_view name) {
    for (Method m : {Method::GradientDescent, Method::Momentum, Method::Nesterov, Method::Adam, Method::RMSProp,
                     Method::LBFGS, Method::Newton})
        if (method_name(m) == name) return m;
    return std::nullopt;
}

std::string_view momentum_form_name(MomentumForm f) {
    return f == MomentumForm::Accumulate ? "accumulate" : "velocity";
}

std::optional<MomentumForm> momentum_form_from_name(std::string_view name) {
    if (name == "accumulate") return MomentumForm::Accumulate;
    if (name == "velocity") return MomentumForm::Velocity;
    return std::nullopt;
}

std::string_view stop_reason_name(StopReason r) {
    switch (r) {
    case StopReason::MaxSteps: return "max-steps";
    case StopReason::GradientTolerance: return "gradient-tolerance";
    case StopReason::FunctionTolerance: return "function-tolerance";
    case StopReason::Diverged: return "diverged";
    case StopReason::Callback: return "callback";
    case StopReason::LineSearchFailed: return "line-search-failed";
    case StopReason::Interrupted: return "interrupted";
    }
    return "?";
}

double Schedule::rate(double eta, std::size_t t) const {
    const double td = static_cast<double>(t);
    switch (kind) {
    case Kind::Constant: return eta;
    case Kind::Step: return eta * std::pow(gamma, static_cast<double>(t / every));
    case Kind::Exponential: return eta * std::pow(gamma, td);
    case Kind::InverseTime: return eta / (1.0 + gamma * td);
    }
    return eta;
}

namespace {

std::optional<double> parse_double(std::string_view s) {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

} // namespace

std::optional<Schedule> Schedule::parse(std::string_view text) {
    Schedule s;
    if (text == "constant" || text.empty()) return s;
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view kind = text.substr(0, colon);
    std::string_view rest = text.substr(colon + 1);
    if (kind == "step") {
        const auto c2 = rest.find(':');
        if (c2 == std::string_view::npos) return std::nullopt;
        auto g = parse_double(rest.substr(0, c2));
        std::size_t every = 0;
        const std::string_view e = rest.substr(c2 + 1);
        auto [p, ec] = std::from_chars(e.data(), e.data() + e.size(), every);
        if (!g || *g <= 0 || ec != std::errc() || p != e.data() + e.size() || every == 0) return std::nullopt;
        s.kind = Kind::Step;
        s.gamma = *g;
        s.every = every;
        return s;
    }
    auto g = parse_double(rest);
    if (!g) return std::nullopt;
    if (kind == "exp" && *g > 0) {
        s.kind = Kind::Exponential;
    } else if (kind == "inv" && *g >= 0) {
        s.kind = Kind::InverseTime;
    } else {
        return std::nullopt;
    }
    s.gamma = *g;
    return s;
}

std::string Schedule::to_string() const {
    switch (kind) {
    case Kind::Constant: return "constant";
    case Kind::Step: return "step:" + format_double(gamma) + ":" + std::to_string(every);
    case Kind::Exponential: return "exp:" + format_double(gamma);
    case Kind::InverseTime: return "inv:" + format_double(gamma);
    }
    return "?";
}

std::string format_double(double v) {
    if (v == 0) return "0"; // also -0: a signed zero is noise in a report
    // The layout of every number the CLI prints (0.0001, 500000, 1e-05), so that a report and
    // `symdiff eval` never write one value two ways.
    return shortest_double(v);
}

std::string format_report(const Report& r, std::span<const std::string> names) {
    auto point = [&](const std::vector<double>& x) {
        std::string s = "(";
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (i) s += ", ";
            if (i < names.size()) s += names[i] + "=";
            else if (!names.empty() || x.size() > 1) s += "x" + std::to_string(i + 1) + "=";
            s += format_double(x[i]);
        }
        return s + ")";
    };
    std::string s;
    s += "method:   " + std::string(method_name(r.method)) + "\n";
    s += "start:    " + point(r.start) + "  f = " + format_double(r.f_start) + "\n";
    s += "end:      " + point(r.x) + "\n";
    s += "f:        " + format_double(r.f) + "\n";
    s += "|grad f|: " + format_double(r.grad_norm) + "\n";
    s += "steps:    " + std::to_string(r.steps) + " (" + std::to_string(r.evaluations) + " evaluations)\n";
    s += "stopped:  " + r.message + "\n";
    char t[64];
    std::snprintf(t, sizeof t, "%.3g s", r.seconds);
    s += "time:     " + std::string(t) + "\n";
    return s;
}

namespace detail {

void throw_bad_options(const std::string& what) { throw Error(what); }

void validate(std::size_t n, std::span<const double> start, const Options& o) {
    if (n == 0) throw_bad_options("the start point has no coordinates");
    for (double v : start)
        if (!std::isfinite(v)) throw_bad_options("the start point is not finite");
    const bool first_order = o.method != Method::LBFGS && o.method != Method::Newton;
    if (first_order && !(o.lr > 0 && std::isfinite(o.lr)))
        throw_bad_options("the learning rate must be positive, not " + format_double(o.lr));
    if (!(o.grad_tol >= 0) || !(o.f_tol >= 0)) throw_bad_options("tolerances must not be negative");
    if (!(o.diverge_factor > 0)) throw_bad_options("diverge_factor must be positive");
    auto unit = [](double b) { return b >= 0 && b < 1; };
    if (!unit(o.momentum)) throw_bad_options("momentum must be in [0, 1), not " + format_double(o.momentum));
    if (!unit(o.beta1) || !unit(o.beta2)) throw_bad_options("beta1 and beta2 must be in [0, 1)");
    if (!unit(o.rho)) throw_bad_options("rho must be in [0, 1)");
    if (!(o.epsilon >= 0)) throw_bad_options("epsilon must not be negative");
    if (o.schedule.kind == Schedule::Kind::Step && o.schedule.every == 0)
        throw_bad_options("a step schedule needs every >= 1");
    if (o.method == Method::LBFGS && o.lbfgs_memory == 0) throw_bad_options("lbfgs_memory must be at least 1");
    if (!(0 < o.wolfe_c1 && o.wolfe_c1 < o.wolfe_c2 && o.wolfe_c2 < 1))
        throw_bad_options("the Wolfe constants need 0 < c1 < c2 < 1");
}

std::string diverged_message(std::size_t step, double f, double limit) {
    if (!std::isfinite(f)) return "diverged: f became " + format_double(f) + " at step " + std::to_string(step);
    return "diverged: |f| = " + format_double(std::fabs(f)) + " exceeded " + format_double(limit) + " at step " +
           std::to_string(step);
}

std::string finish_message(StopReason r, std::size_t step, double value, double tol) {
    const std::string at = " at step " + std::to_string(step);
    switch (r) {
    case StopReason::MaxSteps: return "reached the maximum of " + std::to_string(step) + " steps";
    case StopReason::GradientTolerance:
        return "converged: |grad f| = " + format_double(value) + " < " + format_double(tol) + at;
    case StopReason::FunctionTolerance:
        return "converged: f changed by " + format_double(value) + " <= " + format_double(tol) + " (relative)" + at;
    case StopReason::Callback: return "stopped by the callback" + at;
    case StopReason::Diverged: return "diverged" + at;
    case StopReason::LineSearchFailed:
        return "line search found no acceptable step" + at + " (|grad f| = " + format_double(value) + ")";
    case StopReason::Interrupted: return "interrupted at step " + std::to_string(step);
    }
    return "?";
}

double norm(const double* g, std::size_t n) { return std::sqrt(norm2(g, n)); }

void record(Trace& t, std::size_t step, const double* x, double f, double gnorm) {
    t.step.push_back(step);
    t.x.insert(t.x.end(), x, x + t.dims);
    t.f.push_back(f);
    t.grad_norm.push_back(gnorm);
}

} // namespace detail
} // namespace symdiff
