/// \file Objective: an expression's f+∇f (and Hessian) as kernels for the optimisers.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/optimize.hpp"

#include "jit/descent.hpp"

namespace symdiff {

namespace {

std::optional<detail::DescentRule> descent_rule(const Options& o) {
    switch (o.method) {
    case Method::GradientDescent: return detail::DescentRule::Gd;
    case Method::Momentum:
        return o.momentum_form == MomentumForm::Accumulate ? detail::DescentRule::MomentumAccumulate
                                                            : detail::DescentRule::MomentumVelocity;
    case Method::Nesterov: return detail::DescentRule::Nesterov;
    case Method::Adam: return detail::DescentRule::Adam;
    case Method::RMSProp: return detail::DescentRule::RmsProp;
    case Method::LBFGS:
    case Method::Newton: return std::nullopt;
    }
    return std::nullopt;
}

StopReason stop_reason(detail::DescentStop s) {
    switch (s) {
    case detail::DescentStop::Diverged: return StopReason::Diverged;
    case detail::DescentStop::GradientTolerance: return StopReason::GradientTolerance;
    case detail::DescentStop::FunctionTolerance: return StopReason::FunctionTolerance;
    case detail::DescentStop::MaxSteps: return StopReason::MaxSteps;
    case detail::DescentStop::Interrupted: return StopReason::Interrupted;
    }
    return StopReason::MaxSteps;
}

} // namespace

struct Objective::Impl {
    Expr f;
    std::vector<Expr> vars;
    std::vector<Expr> given; // [f, ∇f...] when the caller gave the gradient, else empty
    std::optional<Loss> loss; // the loss over data this objective forwards to, if any
    Backend backend;
    CompiledFunction grad_jit;
    std::optional<Interpreter> grad_interp;
    // f alone, for value(), made on its first call.
    std::once_flag value_once;
    CompiledFunction value_jit;
    std::optional<Interpreter> value_interp;
    // Newton's Hessian, built when a Newton run first asks for it. Only its structurally
    // non-zero entries of the lower triangle are compiled: extended Rosenbrock with n = 1000
    // has about 3n of them among n² = 10⁶, and a kernel writing 10⁶ outputs takes minutes to
    // compile.
    std::once_flag hessian_once;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> hess_entries;
    CompiledFunction hess_jit;
    std::optional<Interpreter> hess_interp;
    // Generated descent loops (jit/descent.hpp), one per rule and check set, made on first use.
    std::mutex native_mutex;
    std::map<std::pair<detail::DescentRule, bool>, detail::NativeDescent> native;

    /// The loop for these options, or null when the options or the function don't qualify.
    const detail::NativeDescent* native_loop(const Options& o, bool observed) {
        const auto rule = descent_rule(o);
        if (!rule || backend != Backend::Jit || observed || o.schedule.kind != Schedule::Kind::Constant ||
            o.max_steps < o.native_loop_min_steps || vars.size() > detail::kNativeDescentMaxVars ||
            dag_size(f) > detail::kNativeDescentMaxNodes)
            return nullptr;
        const bool checked = o.grad_tol > 0 || o.f_tol > 0;
        std::lock_guard lock(native_mutex);
        detail::NativeDescent& d = native[{*rule, checked}];
        if (!d) {
            const std::vector<Expr> outputs = given.empty() ? value_and_gradient(f, vars) : given;
            d = detail::compile_descent(outputs, vars, *rule, checked, JitOptions{.opt_level = 2});
        }
        return &d;
    }

    /// minimize_first_order's report, the steps run by the generated loop.
    Report run_native(const detail::NativeDescent& loop, std::span<const double> start, const Options& o) const {
        const std::size_t n = vars.size();
        Report r = detail::begin_report(start, o);
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<double> buf(n + 1);
        grad_jit(r.x.data(), buf.data());
        const double limit = detail::start_values(r, buf.data(), n, o);
        static const volatile std::sig_atomic_t never = 0;
        const detail::DescentParams params{o.lr,      limit,    o.grad_tol * o.grad_tol, o.f_tol,
                                           o.momentum, o.beta1, o.beta2,                 o.epsilon,
                                           o.rho,     o.max_steps, o.stop != nullptr ? o.stop : &never};
        detail::DescentOutcome out;
        const std::size_t steps = loop.run(r.x.data(), buf.data(), params, out);
        detail::finish_report(r, stop_reason(out.stop), steps, buf.data(), n, out.f_prev, limit, o);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return r;
    }

    void build_hessian() {
        const auto h = hessian(f, vars);
        std::vector<Expr> outputs;
        for (std::uint32_t i = 0; i < h.size(); ++i)
            for (std::uint32_t j = 0; j <= i; ++j) {
                const Expr e = h[i][j];
                if (e.is_number() && e.number().is_zero()) continue;
                hess_entries.emplace_back(i, j);
                outputs.push_back(e);
            }
        if (outputs.empty()) return; // f is linear: the Hessian is zero everywhere
        if (backend == Backend::Jit) hess_jit = compile(outputs, vars);
        else hess_interp.emplace(outputs, vars);
    }

    /// Writes the dense n×n Hessian at x, using `scratch` for the compiled entries.
    void dense_hessian(const double* x, double* out, std::vector<double>& scratch) const {
        const std::size_t n = vars.size();
        std::fill(out, out + n * n, 0.0);
        if (hess_entries.empty()) return;
        scratch.resize(hess_entries.size());
        if (backend == Backend::Jit) hess_jit(x, scratch.data());
        else hess_interp->run(x, scratch.data());
        for (std::size_t k = 0; k < hess_entries.size(); ++k) {
            const auto [i, j] = hess_entries[k];
            out[i * n + j] = out[j * n + i] = scratch[k];
        }
    }
};

Objective::Objective(Expr f, std::span<const Expr> vars, Backend backend) : impl_(std::make_unique<Impl>()) {
    if (vars.empty()) throw Error("minimize needs at least one variable");
    impl_->f = f;
    impl_->vars.assign(vars.begin(), vars.end());
    impl_->backend = backend;
    if (backend == Backend::Jit) {
        impl_->grad_jit = compile_gradient(f, vars);
    } else {
        const auto outputs = value_and_gradient(f, vars);
        impl_->grad_interp.emplace(outputs, vars);
    }
}

Objective::Objective(Expr f, std::span<const Expr> gradient, std::span<const Expr> vars, Backend backend)
    : impl_(std::make_unique<Impl>()) {
    if (vars.empty()) throw Error("minimize needs at least one variable");
    if (gradient.size() != vars.size())
        throw Error("the gradient has " + std::to_string(gradient.size()) + " entries but there are " +
                    std::to_string(vars.size()) + " variables");
    impl_->given.push_back(f);
    impl_->given.insert(impl_->given.end(), gradient.begin(), gradient.end());
    for (Expr e : impl_->given)
        if (e.is(Op::List) || e.is(Op::Vec)) throw Error("the function and its gradient must be numbers, not lists");
    impl_->f = f;
    impl_->vars.assign(vars.begin(), vars.end());
    impl_->backend = backend;
    if (backend == Backend::Jit) impl_->grad_jit = compile(impl_->given, vars);
    else impl_->grad_interp.emplace(impl_->given, vars);
}

Objective::Objective(Loss loss) : impl_(std::make_unique<Impl>()) {
    impl_->backend = loss.backend();
    impl_->loss.emplace(std::move(loss));
}

Objective::~Objective() = default;
Objective::Objective(Objective&&) noexcept = default;
Objective& Objective::operator=(Objective&&) noexcept = default;

std::size_t Objective::dims() const { return impl_->loss ? impl_->loss->dims() : impl_->vars.size(); }
const Loss* Objective::loss() const { return impl_->loss ? &*impl_->loss : nullptr; }
Backend Objective::backend() const { return impl_->backend; }

void Objective::operator()(const double* x, double* out) const {
    if (impl_->loss) return (*impl_->loss)(x, out);
    if (impl_->backend == Backend::Jit) impl_->grad_jit(x, out);
    else impl_->grad_interp->run(x, out);
}

double Objective::value(const double* x) const {
    Impl& im = *impl_;
    if (im.loss) return im.loss->value(x);
    std::call_once(im.value_once, [&im] {
        const Expr outputs[] = {im.f};
        if (im.backend == Backend::Jit) im.value_jit = compile(outputs, im.vars);
        else im.value_interp.emplace(outputs, im.vars);
    });
    double out = 0;
    if (im.backend == Backend::Jit) im.value_jit(x, &out);
    else im.value_interp->run(x, &out);
    return out;
}

Report Objective::minimize(std::span<const double> start, const Options& options, CallbackRef callback) const {
    if (impl_->loss) return impl_->loss->minimize(start, options, callback);
    if (start.size() != dims())
        throw Error("the start point has " + std::to_string(start.size()) + " coordinates but the function has " +
                    std::to_string(dims()) + " variables");
    if (const detail::NativeDescent* loop = impl_->native_loop(options, static_cast<bool>(callback) || options.trace_every > 0))
        return impl_->run_native(*loop, start, options);
    const Impl& im = *impl_;
    std::vector<double> scratch;
    auto hess = [&im, &scratch](const double* x, double* out) { im.dense_hessian(x, out, scratch); };
    if (options.method == Method::Newton) std::call_once(impl_->hessian_once, [this] { impl_->build_hessian(); });
    if (im.backend == Backend::Jit) {
        // A raw function pointer: the first-order loop is instantiated for one direct call
        // into the generated code per step.
        const CompiledFunction::PointFn grad = im.grad_jit.point_function();
        if (options.method == Method::Newton) return symdiff::minimize(grad, hess, start, options, callback);
        if (callback) return symdiff::minimize(grad, start, options, callback);
        return symdiff::minimize(grad, start, options);
    }
    const Interpreter& gi = *im.grad_interp;
    auto grad = [&gi](const double* x, double* out) { gi.run(x, out); };
    if (options.method == Method::Newton) return symdiff::minimize(grad, hess, start, options, callback);
    if (callback) return symdiff::minimize(grad, start, options, callback);
    return symdiff::minimize(grad, start, options);
}

Curvature Objective::curvature(std::span<const double> x) const {
    if (impl_->loss) return impl_->loss->curvature(x);
    const std::size_t n = dims();
    if (x.size() != n) throw Error("the point has " + std::to_string(x.size()) + " coordinates but the function has " +
                                   std::to_string(n) + " variables");
    if (n > kEigenvalueMaxDims)
        return probe_curvature(n, [&](const double* v, double* out) { gradient_difference_hv(*this, x, v, out); });
    std::call_once(impl_->hessian_once, [this] { impl_->build_hessian(); });
    std::vector<double> h(n * n), scratch;
    impl_->dense_hessian(x.data(), h.data(), scratch);
    return classify_curvature(symmetric_eigenvalues(h, n));
}

Assessment Objective::assess(const Report& r, const Options& options, double converged) const {
    if (impl_->loss) return impl_->loss->assess(r, options, converged);
    return symdiff::assess(r, converged_threshold(r, options, converged),
                           [this](std::span<const double> x) { return curvature(x); });
}

} // namespace symdiff
