/// \file Objective: an expression's f+∇f (and Hessian) as kernels for the optimisers.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>

#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/optimize.hpp"

namespace symdiff {

struct Objective::Impl {
    Expr f;
    std::vector<Expr> vars;
    Backend backend;
    CompiledFunction grad_jit;
    std::optional<Interpreter> grad_interp;
    // Newton's Hessian, built when a Newton run first asks for it. Only its structurally
    // non-zero entries of the lower triangle are compiled: extended Rosenbrock with n = 1000
    // has about 3n of them among n² = 10⁶, and a kernel writing 10⁶ outputs takes minutes to
    // compile.
    std::once_flag hessian_once;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> hess_entries;
    CompiledFunction hess_jit;
    std::optional<Interpreter> hess_interp;

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

Objective::~Objective() = default;
Objective::Objective(Objective&&) noexcept = default;
Objective& Objective::operator=(Objective&&) noexcept = default;

std::size_t Objective::dims() const { return impl_->vars.size(); }
Backend Objective::backend() const { return impl_->backend; }

void Objective::operator()(const double* x, double* out) const {
    if (impl_->backend == Backend::Jit) impl_->grad_jit(x, out);
    else impl_->grad_interp->run(x, out);
}

Report Objective::minimize(std::span<const double> start, const Options& options, CallbackRef callback) const {
    if (start.size() != dims())
        throw Error("the start point has " + std::to_string(start.size()) + " coordinates but the function has " +
                    std::to_string(dims()) + " variables");
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

} // namespace symdiff
