/// \file Optimisers: gradient descent and its family, L-BFGS and Newton, over an f+∇f kernel.
///
/// The objective is a *kernel*: any callable `k(const double* x, double* out)` that writes
/// out[0] = f(x) and out[1..n] = ∇f(x). That is the layout of the JIT's `compile_gradient`
/// kernels and of an Interpreter over [f, ∂f/∂x1, ...], and a hand-written lambda works too.
/// Newton additionally takes a Hessian kernel `h(const double* x, double* out)` that writes the
/// n×n Hessian row-major.
///
/// The first-order loops (gd, momentum, nesterov, adam, rmsprop) are templates on the kernel
/// type and on which checks are switched on, so that with no tolerance, trace or callback the
/// loop body is exactly "call the kernel, test f, update x": no allocation, no virtual call and
/// no std::function per step. L-BFGS and Newton spend their time in line searches and linear
/// algebra, so they call the kernel through a type-erased reference compiled once in
/// lib/optimize.
///
/// Step numbering: step k is the point after k updates; step 0 is the start. A run evaluates
/// the kernel at steps 0..K and reports the point of step K, so `steps` is the number of
/// updates made.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff {

/// A callable writing [f, ∂f/∂x1, ..., ∂f/∂xn] for a point of n coordinates.
template <class K>
concept GradientKernel = std::invocable<const K&, const double*, double*>;

enum class Method : std::uint8_t {
    GradientDescent, ///< θ -= η∇f
    Momentum,        ///< heavy ball, in the form chosen by Options::momentum_form
    Nesterov,        ///< v = βv + ∇f; θ -= η(∇f + βv): the look-ahead form that needs ∇f at θ only
    Adam,            ///< Kingma & Ba with bias correction
    RMSProp,         ///< s = ρs + (1-ρ)∇f²; θ -= η∇f/(√s + ε)
    LBFGS,           ///< limited-memory BFGS with a strong-Wolfe line search
    Newton,          ///< Newton steps on the symbolic Hessian, damped until positive definite
};

/// "gd", "momentum", "nesterov", "adam", "rmsprop", "lbfgs", "newton".
std::string_view method_name(Method m);
std::optional<Method> method_from_name(std::string_view name);

/// The two ways the tutorials write momentum. With a constant rate they are the same
/// iteration (the velocities differ by the factor -η), but they round differently and they
/// differ under a schedule, since Velocity folds the rate into v when the gradient is added.
enum class MomentumForm : std::uint8_t {
    Accumulate, ///< v = βv + ∇f; θ -= ηv   (tutorial 001's table)
    Velocity,   ///< v = βv - η∇f; θ += v   (tutorial 000's exercise 3)
};
std::string_view momentum_form_name(MomentumForm f);
std::optional<MomentumForm> momentum_form_from_name(std::string_view name);

/// A learning-rate schedule η_t for update t = 0, 1, ...
struct Schedule {
    enum class Kind : std::uint8_t {
        Constant,    ///< η_t = η
        Step,        ///< η_t = η·γ^⌊t/every⌋   ("halve the rate every 50 epochs": γ = 0.5, every = 50)
        Exponential, ///< η_t = η·γ^t
        InverseTime, ///< η_t = η/(1 + γt)
    };
    Kind kind = Kind::Constant;
    double gamma = 1.0;
    std::size_t every = 1;

    /// η_t in closed form. The loops compute the same sequence incrementally (Exponential as a
    /// running product, so it agrees with this to rounding, not bit for bit).
    double rate(double eta, std::size_t t) const;

    /// Parses "constant", "step:GAMMA:EVERY", "exp:GAMMA" or "inv:GAMMA"; nullopt otherwise.
    static std::optional<Schedule> parse(std::string_view text);
    std::string to_string() const;
};

/// Everything that configures a run. Defaults are the tutorials' usual values.
struct Options {
    Method method = Method::GradientDescent;
    double lr = 0.001;                ///< η (first-order methods)
    std::size_t max_steps = 10000;    ///< updates (first-order) or iterations (L-BFGS, Newton)
    /// Stop when ‖∇f‖ < grad_tol (checked before each update, as tutorial 001 does); 0 = off.
    double grad_tol = 0.0;
    /// Stop when |f_k - f_{k-1}| <= f_tol·max(1, |f_k|); 0 = off.
    double f_tol = 0.0;
    /// The run is stopped as diverged when f is not finite, or |f| exceeds
    /// diverge_factor·max(1, |f(start)|). Infinity leaves only the finiteness test.
    double diverge_factor = 1e15;

    double momentum = 0.9;            ///< β of momentum and Nesterov
    MomentumForm momentum_form = MomentumForm::Accumulate;
    double beta1 = 0.9;               ///< Adam
    double beta2 = 0.999;             ///< Adam
    double rho = 0.9;                 ///< RMSProp decay
    double epsilon = 1e-8;            ///< Adam and RMSProp
    Schedule schedule{};

    std::size_t lbfgs_memory = 10;    ///< pairs (s, y) kept by L-BFGS
    double wolfe_c1 = 1e-4;           ///< sufficient decrease
    double wolfe_c2 = 0.9;            ///< curvature (strong Wolfe: |∇f(x+αp)·p| <= c2|∇f(x)·p|)

    /// Record step 0, every trace_every-th step and the last step; 0 = no trace.
    std::size_t trace_every = 0;

    /// Objective (JIT backend) runs a first-order method on a small function (at most 100 DAG
    /// nodes and 32 variables) with a constant rate, no trace and no callback as one generated
    /// loop with the kernel inlined, when max_steps is at least this. Making that loop costs
    /// about 6 ms of compilation, once per Objective and rule; each step then saves the call
    /// and the trip of x and ∇f through memory, about 5 ns on Rosenbrock, so a single run
    /// repays it from about a million steps (bench/README.md "## Optimisers"). The result is
    /// the same to the last bit either way. 0: whenever it can; SIZE_MAX: never.
    std::size_t native_loop_min_steps = 1000000;

    /// A flag another thread or a signal handler sets (to any non-zero value) to stop the run
    /// where it is, with StopReason::Interrupted: the report then holds the point, f and ∇f of
    /// the step it stopped at, and the trace ends there. The C++ loops, L-BFGS and Newton look
    /// at it before every update, the generated loop every 1024 steps, fit before every batch.
    /// Null: never stopped. The run only reads it.
    const volatile std::sig_atomic_t* stop = nullptr;
};

enum class StopReason : std::uint8_t {
    MaxSteps,          ///< made max_steps updates
    GradientTolerance, ///< ‖∇f‖ < grad_tol
    FunctionTolerance, ///< f stopped changing (f_tol)
    Diverged,          ///< f not finite or exploding
    Callback,          ///< the per-step callback asked to stop
    LineSearchFailed,  ///< L-BFGS/Newton: no step satisfying the line search (usually: f is at rounding level)
    Interrupted,       ///< Options::stop was set
};
std::string_view stop_reason_name(StopReason r);

/// Sub-sampled trajectory: rows of (step, x[0..dims), f, ‖∇f‖).
struct Trace {
    std::size_t dims = 0;
    std::vector<std::size_t> step;
    std::vector<double> x; ///< row-major, dims per row
    std::vector<double> f;
    std::vector<double> grad_norm;

    std::size_t size() const { return step.size(); }
    std::span<const double> point(std::size_t row) const { return {x.data() + row * dims, dims}; }
};

/// The result of a run.
struct Report {
    Method method = Method::GradientDescent;
    std::vector<double> start;
    std::vector<double> x;        ///< the final point (the non-finite one if the run diverged)
    double f_start = 0;
    double grad_norm_start = 0;   ///< ‖∇f(start)‖
    double f = 0;                 ///< f(x)
    double grad_norm = 0;         ///< ‖∇f(x)‖
    std::size_t steps = 0;        ///< updates (first-order) or iterations (L-BFGS, Newton)
    std::size_t evaluations = 0;  ///< kernel calls
    StopReason reason = StopReason::MaxSteps;
    std::string message;          ///< why it stopped, in a sentence that names the step
    double seconds = 0;
    Trace trace;
};

/// What the per-step callback sees: the point of step `step` and f, ∇f there, before the
/// update. The spans are valid during the call only.
struct StepInfo {
    std::size_t step;
    std::span<const double> x;
    double f;
    std::span<const double> grad;
};

/// What the curvature of f says about a point: the second-derivative test, from the
/// eigenvalues of the Hessian there (tutorial 004: a zero gradient is a minimum, a maximum or a
/// saddle, and the Hessian tells which).
enum class PointKind : std::uint8_t {
    Minimum,    ///< every eigenvalue > 0
    Maximum,    ///< every eigenvalue < 0
    Saddle,     ///< eigenvalues of both signs
    Degenerate, ///< an eigenvalue is 0 (to rounding) and none has the other sign: the test cannot tell
};
/// "minimum", "maximum", "saddle", "degenerate".
std::string_view point_kind_name(PointKind k);

/// The curvature of f at a point.
struct Curvature {
    PointKind kind = PointKind::Degenerate;
    /// In increasing order: every eigenvalue of the Hessian, or with `probed` the Ritz values of
    /// a Lanczos probe (the lowest is an upper bound of the lowest eigenvalue).
    std::vector<double> eigenvalues;
    /// Estimated by a probe (Hessian-vector products) rather than from the whole Hessian.
    bool probed = false;
    /// A direction of negative curvature was found (the lowest eigenvalue is below -tolerance).
    bool negative() const;
    /// A direction of positive curvature was found.
    bool positive() const;
};

/// Up to this many variables, a curvature comes from every eigenvalue of the Hessian; above,
/// from a Lanczos probe of kProbeSteps Hessian-vector products.
inline constexpr std::size_t kEigenvalueMaxDims = 64;
inline constexpr std::size_t kProbeSteps = 30;

/// The eigenvalues of the symmetric n×n matrix `a` (row-major; the lower triangle is read), in
/// increasing order, by cyclic Jacobi rotations.
std::vector<double> symmetric_eigenvalues(std::span<const double> a, std::size_t n);
/// The kind of a point from eigenvalues. An eigenvalue counts as 0 when |λ| <= 1e-8·max|λ|
/// (1e-6 for probed ones, which carry the error of finite differences), or when all are 0.
Curvature classify_curvature(std::vector<double> eigenvalues, bool probed = false);
/// A negative-curvature probe for large n: kProbeSteps (at most n) Lanczos steps from a fixed
/// pseudo-random vector with `hv(v, out)` writing H·v, full reorthogonalisation, and the Ritz
/// values classified.
Curvature probe_curvature(std::size_t n, const std::function<void(const double*, double*)>& hv);

/// Whether a point with this gradient norm is critical: ‖∇f‖ <= 1e-8·max(1, max|λ|).
bool is_critical(const Curvature& c, double grad_norm);
/// A point in words from its gradient norm and the Hessian's curvature there, as `hessian
/// --at` and the REPL print it: "saddle (grad f = 0)", "minimum (grad f = 0)", or "not a
/// critical point: |grad f| = 2.8; the Hessian is indefinite there".
std::string describe_point(const Curvature& c, double grad_norm);

/// Verdict of a finished run. Tutorial 002's learning-rate table has converged, slow and
/// diverged; a run that stops where the gradient vanishes is also told apart by what it
/// stopped at, and a run that keeps going down by its unbounded descent.
enum class Verdict : std::uint8_t {
    Converged, ///< ended at a critical point (tolerance, or ‖∇f‖ <= converged_grad) with no negative curvature
    Slow,      ///< still improving: f went down but ∇f is not yet small
    Diverged,  ///< non-finite, exploded upwards, or ends above f(start)
    Saddle,    ///< ended at a critical point with curvature of both signs
    Maximum,   ///< ended at a critical point where f curves down in every direction
    Unbounded, ///< f fell without bound: to -inf or past the divergence bound below, or still
               ///< falling with a slope that did not shrink (x^2 - y^2 away from its saddle)
};
/// "converged", "slow", "diverged", "saddle", "maximum", "unbounded".
std::string_view verdict_name(Verdict v);

/// The verdict and, when the run ended at a critical point and a curvature was available,
/// what that point is.
struct Assessment {
    Verdict verdict = Verdict::Slow;
    std::optional<Curvature> point;
};

/// The ‖∇f‖ at or below which a run ended at a critical point: `converged` when it is given
/// (>= 0), else max(options.grad_tol, 1e-3·‖∇f(start)‖), a thousandfold fall of the slope.
double converged_threshold(const Report& r, const Options& options, double converged = -1);

/// The verdict rules, the one place they live (minimize, the REPL, the library's runs):
///  - f not finite or past the divergence bound: unbounded when it went below f(start),
///    else diverged; ending above f(start) is diverged;
///  - stopped on a tolerance or with ‖∇f‖ <= converged_grad: a critical point, classified by
///    `curvature(x)` when given (converged at a minimum or degenerate point without negative
///    curvature, saddle, maximum), converged otherwise;
///  - else unbounded when f went down while ‖∇f‖ did not shrink, or when a line search
///    failed where f curves down; slow otherwise.
Assessment assess(const Report& r, double converged_grad,
                  const std::function<Curvature(std::span<const double>)>& curvature = {});

/// The lines a report ends with: "point:    saddle: Hessian eigenvalues -2, 2" when the
/// assessment has a point, then "verdict:  saddle".
std::string format_assessment(const Assessment& a);
/// The point in words: "saddle: Hessian eigenvalues -2, 2", or for a probe "saddle: Hessian
/// eigenvalues estimated by 30 Hessian-vector products, from -2 to 400".
std::string describe_curvature(const Curvature& c);

/// One line per fact: start, end point, f, ‖∇f‖, steps, why it stopped, time. `names` labels
/// the coordinates (x1, x2, ... when empty).
std::string format_report(const Report& r, std::span<const std::string> names = {});

/// shortest_double (number.hpp: the shortest round-tripping digits, plain from 1e-4 to 1e16),
/// except that -0 is "0".
std::string format_double(double v);

/// A non-owning, type-erased kernel reference, for the methods whose cost is not in the call.
class KernelRef {
public:
    template <GradientKernel K>
        requires(!std::same_as<std::remove_cvref_t<K>, KernelRef>)
    KernelRef(const K& k)
        : self_(&k), call_([](const void* s, const double* in, double* out) { (*static_cast<const K*>(s))(in, out); }) {}
    void operator()(const double* in, double* out) const { call_(self_, in, out); }

private:
    const void* self_;
    void (*call_)(const void*, const double*, double*);
};

/// H·v by central differences of a gradient kernel (out = [f, ∇f]) around x.
void gradient_difference_hv(KernelRef kernel, std::span<const double> x, const double* v, double* out);

/// A type-erased per-step callback: returns false to stop the run. It refers to the callable
/// (which may keep state and change it), so the callable must outlive the CallbackRef.
class CallbackRef {
public:
    CallbackRef() = default;
    template <class C>
        requires(std::is_invocable_r_v<bool, C&, const StepInfo&> &&
                 !std::same_as<std::remove_cvref_t<C>, CallbackRef>)
    CallbackRef(C&& c)
        : self_(const_cast<void*>(static_cast<const void*>(std::addressof(c)))),
          call_([](void* s, const StepInfo& i) -> bool { return (*static_cast<std::remove_reference_t<C>*>(s))(i); }) {}
    explicit operator bool() const { return call_ != nullptr; }
    bool operator()(const StepInfo& i) const { return call_(self_, i); }

private:
    void* self_ = nullptr;
    bool (*call_)(void*, const StepInfo&) = nullptr;
};

/// L-BFGS (two-loop recursion, H0 = (sᵀy/yᵀy)I) with a strong-Wolfe line search
/// (Nocedal & Wright, Algorithms 3.5 and 3.6). Uses max_steps, grad_tol, f_tol,
/// diverge_factor, lbfgs_memory, wolfe_c1, wolfe_c2 and trace_every.
Report minimize_lbfgs(KernelRef kernel, std::span<const double> start, const Options& options,
                      CallbackRef callback = {});

/// Newton: solves (H + μI)p = -∇f by Cholesky, raising μ from 0 until H + μI is positive
/// definite (so indefinite Hessians give a descent direction), then a strong-Wolfe line search
/// from α = 1. The factorisation is banded to the Hessian's numerical bandwidth, so sparse
/// chains such as extended Rosenbrock cost O(n) per step. `hessian` writes n×n row-major.
Report minimize_newton(KernelRef kernel, KernelRef hessian, std::span<const double> start,
                       const Options& options, CallbackRef callback = {});

namespace detail {
// The first-order loop behind minimize(), in symdiff/detail/first_order.hpp (included at the end).
template <class Kernel, class Callback>
Report minimize_first_order(const Kernel& kernel, std::span<const double> start, const Options& o, Callback* cb);
[[noreturn]] void throw_bad_options(const std::string& what);
} // namespace detail

/// Minimises the function of `kernel` from `start` with options.method, which must not be
/// Newton (use the overload with a Hessian). Throws symdiff::Error for invalid options
/// (non-positive rate, β outside [0, 1), empty start, ...). Divergence is not an error: it
/// is reported in Report::reason and message.
template <GradientKernel Kernel>
Report minimize(const Kernel& kernel, std::span<const double> start, const Options& options) {
    if (options.method == Method::LBFGS) return minimize_lbfgs(KernelRef(kernel), start, options);
    if (options.method == Method::Newton) detail::throw_bad_options("method newton needs a Hessian kernel");
    return detail::minimize_first_order<Kernel, std::nullptr_t>(kernel, start, options, nullptr);
}

/// As above, calling `callback(const StepInfo&) -> bool` at every step before the update;
/// returning false stops the run with StopReason::Callback. The callback may keep state.
template <GradientKernel Kernel, class Callback>
    requires std::is_invocable_r_v<bool, std::remove_reference_t<Callback>&, const StepInfo&>
Report minimize(const Kernel& kernel, std::span<const double> start, const Options& options,
                Callback&& callback) {
    if (options.method == Method::LBFGS) return minimize_lbfgs(KernelRef(kernel), start, options, CallbackRef(callback));
    if (options.method == Method::Newton) detail::throw_bad_options("method newton needs a Hessian kernel");
    using C = std::remove_reference_t<Callback>;
    return detail::minimize_first_order<Kernel, C>(kernel, start, options, std::addressof(callback));
}

/// Any method, Newton included: `hessian(const double* x, double* out)` writes the n×n
/// Hessian row-major and is used by Newton only.
template <GradientKernel Kernel, GradientKernel Hessian>
Report minimize(const Kernel& kernel, const Hessian& hessian, std::span<const double> start,
                const Options& options, CallbackRef callback = {}) {
    if (options.method == Method::Newton)
        return minimize_newton(KernelRef(kernel), KernelRef(hessian), start, options, callback);
    if (options.method == Method::LBFGS) return minimize_lbfgs(KernelRef(kernel), start, options, callback);
    if (callback) return detail::minimize_first_order<Kernel, const CallbackRef>(kernel, start, options, &callback);
    return detail::minimize_first_order<Kernel, std::nullptr_t>(kernel, start, options, nullptr);
}

/// How an Objective evaluates its expression.
enum class Backend : std::uint8_t {
    Jit,         ///< LLVM kernels (jit.hpp): the optimiser loop calls native code directly
    Interpreter, ///< the reference Interpreter (eval.hpp): slower, for testing and fallback
};

/// The symbols e reads as arrays: x of x[k] and of len(x). In order of first appearance in
/// the DAG (children first).
std::vector<Expr> vector_symbols(Expr e);
/// The free symbols e needs as integers: in the bounds of its sums and in indices (n of
/// sum(i = 1..n-1, ...), k of x[k]), without the indices the sums bind and without vector
/// symbols (len(x) is no size). In the same order as vector_symbols.
std::vector<Expr> size_symbols(Expr e);

/// A vector variable of a Loss (x of x[i]) and its number of elements.
struct VectorParameter {
    Expr symbol;
    std::size_t length = 0;
};

/// A size symbol (n of sum(i = 1..n-1, ...)) and its value.
struct SizeBinding {
    Expr symbol;
    double value = 0;
};

/// A data column a Loss may read, by name. Not copied: the values must outlive the Loss.
/// Every column of one Loss has the same number of rows.
struct ColumnView {
    std::string name;
    std::span<const double> values;
};

/// How a Loss evaluates, and when it spreads rows over threads.
struct LossOptions {
    Backend backend = Backend::Jit;
    /// Workers for an evaluation over many rows; 0: std::thread::hardware_concurrency().
    std::size_t threads = 0;
    /// Rows below which an evaluation stays on the calling thread: starting threads costs
    /// tens of microseconds, about what 100,000 rows of a small loss take.
    std::size_t parallel_min_rows = 100000;
};

/// How Loss::fit runs its epochs.
struct FitOptions {
    /// method, lr, momentum, betas, schedule, ... (max_steps and trace_every are not used:
    /// fit counts epochs). Newton is refused; L-BFGS only runs full-batch.
    Options optimiser{};
    std::size_t epochs = 200;
    /// Rows per mini-batch; 0 (or the number of rows or more) is full-batch gradient descent,
    /// one update per epoch.
    std::size_t batch = 0;
    /// Seed of the shuffle (see Loss::fit).
    std::uint64_t seed = 0;
    /// Keep the point of every epoch in FitReport::path (for a trace). A long run's trace is
    /// better streamed through on_epoch, which keeps nothing.
    bool record_path = false;
    /// Called at the start and after each epoch, with step = the epoch, x = the point and
    /// f = the loss over all rows there (grad is empty); returning false stops the run with
    /// StopReason::Callback. It refers to the callable, which must outlive the run.
    CallbackRef on_epoch{};
};

/// The result of Loss::fit.
struct FitReport {
    /// x: the fitted parameters (flat, as Loss::dims() orders them); f: the loss over all rows
    /// there; steps: updates made; evaluations: kernel calls (batches and full-data
    /// evaluations alike); reason and message: why it stopped; seconds.
    Report report;
    /// The loss over all rows before epoch 1 (curve[0], at the start) and after each epoch:
    /// epochs_run + 1 values. With full-batch methods, curve[k] is f after k updates, the
    /// "loss before update k" of the tutorials' training tables.
    std::vector<double> curve;
    /// With FitOptions::record_path: the point before epoch 1 and after each epoch, dims()
    /// values per epoch, row after row (as curve).
    std::vector<double> path;
    std::size_t epochs_run = 0;
    std::size_t batch = 0;             ///< rows per batch (the last batch of an epoch may have fewer)
    std::size_t batches_per_epoch = 1;
    std::size_t threads = 1;           ///< workers of an evaluation over all rows
};

/// A scalar function of scalar parameters and vector variables, over the rows of data
/// columns (docs/reductions.md): `mean((m*x + b - y)^2)` with columns x, y; extended
/// Rosenbrock `sum(i = 1..n-1, 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2)` with a vector x.
///
/// Its call operator is a GradientKernel over the flat point x = [scalars..., each vector's
/// elements in order] writing out = [f, ∇f flat in the same order], so every optimiser runs
/// on it unchanged. The kernel evaluates [f, ∂f/∂p..., vector_gradient(f, x)...] in one
/// LoopKernel (Backend::Jit) or LoopInterpreter, writing the vector gradients straight into
/// `out`.
///
/// Threads: when f is linear in its row reductions (a sum of terms each free of rows or a
/// row-free factor times one sum(...) or mean(...)), an evaluation over at least
/// parallel_min_rows rows splits them into contiguous blocks whose number depends only on the
/// rows and dims() (at most 64), the workers take blocks in turn, and the blocks' [f, ∇f] are
/// added in block order: one thread and any number of threads give the same bits, whatever
/// the scheduling. Otherwise one thread does all rows in one pass. The
/// workers (threads - 1 of them, the caller being the first) live as long as the Loss. The
/// call operator may be used from several threads at once; evaluations that need the workers
/// take turns.
/// What a Loss is over, by role: none owned, all outliving the Loss.
struct LossInputs {
    std::span<const Expr> scalars;            ///< scalar parameters
    std::span<const VectorParameter> vectors; ///< vector parameters, with their lengths
    std::span<const ColumnView> columns;      ///< data columns by name (they define the rows)
    std::span<const SizeBinding> sizes;       ///< sizes given; others are inferred
};

class Loss {
public:
    /// The Loss of f over `inputs`. Free symbols of f must each be a scalar parameter, a
    /// vector parameter, a column (by name), or a size. A size left out of `sizes` is the
    /// common length of the vector parameters. The columns define the rows: a sum or mean over
    /// rows that reads no column (`mean(2*m)`) runs over them too, even when f reads none (one
    /// column then counts the rows without being read). Throws symdiff::Error naming the symbol
    /// otherwise, for columns of different lengths, for a parameter given twice, and for
    /// everything LoopInterpreter's constructor or compile_loops refuse.
    Loss(Expr f, const LossInputs& inputs, const LossOptions& options = {});
    ~Loss();
    Loss(Loss&&) noexcept;
    Loss& operator=(Loss&&) noexcept;

    /// Scalars plus the lengths of the vectors.
    std::size_t dims() const;
    /// Rows of the data (0 without columns, or when f reads none and has no sum or mean over rows).
    std::size_t rows() const;
    Backend backend() const;
    /// The sizes as bound (given or inferred), in order of first appearance in f.
    std::span<const SizeBinding> sizes() const;
    /// The columns f reads, in the order given to the constructor.
    std::vector<std::string> columns_used() const;
    /// Workers an evaluation over all rows uses, and why only one when it is one.
    std::size_t threads() const;
    std::string serial_reason() const;
    /// "m", "b", "x[1]", ... for coordinate i of the flat point.
    std::string coordinate_name(std::size_t i) const;

    /// out[0] = f(x), out[1..dims()] = ∇f(x), over all rows. Throws symdiff::Error for an
    /// index out of range and the other run-time errors of the loop evaluators.
    void operator()(const double* x, double* out) const;
    /// f(x) over all rows without the gradient's work, the same bits as out[0] of the call
    /// operator. Its kernel (f alone) is compiled on the first call.
    double value(const double* x) const;

    /// Runs options.method from start (Newton is refused: a Loss has no Hessian kernel).
    Report minimize(std::span<const double> start, const Options& options, CallbackRef callback = {}) const;
    /// The curvature of f at x: a Lanczos probe on Hessian-vector products taken by central
    /// differences of the gradient (exact eigenvalues of the n×n Hessian so assembled for up
    /// to kEigenvalueMaxDims coordinates).
    Curvature curvature(std::span<const double> x) const;
    /// assess() of a run of this loss, with converged_threshold(r, options, converged).
    Assessment assess(const Report& r, const Options& options, double converged = -1) const;

    /// Trains over the rows: `epochs` passes. Full-batch (batch 0 or >= rows, or no data):
    /// the optimiser runs for `epochs` steps on all rows. Mini-batches: at each epoch the row
    /// order is a fresh Fisher–Yates shuffle of 0..rows-1 drawn from one std::mt19937_64
    /// seeded with `seed` (continuing across epochs; each j uniform in 0..i by rejection
    /// sampling, so the order is the same on every platform), the rows of each batch are
    /// copied into contiguous column buffers, and each batch makes one update with f and ∇f
    /// over its rows only. After each epoch the loss over all rows joins the curve. A
    /// non-finite loss stops the run as diverged. FitOptions::optimiser.stop stops it before
    /// the next batch (or update, full-batch) with StopReason::Interrupted and the loss over
    /// all rows at the point reached, which the curve does not hold unless an epoch ended there.
    FitReport fit(std::span<const double> start, const FitOptions& options) const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// The optimisers' one front end: a point function, its f+∇f kernel over `vars` (in that
/// order) and for Newton its Hessian kernel, compiled when Newton first asks for it; or a
/// Loss over data, whose calls, runs and curvature it forwards.
///
/// With the JIT, minimize() hands the loop the kernel's raw function pointer, so each step
/// is one call through a plain function pointer into the generated code.
class Objective {
public:
    /// Throws symdiff::Error if f is a list, if it has a free symbol not in vars, if a var is
    /// not a symbol or repeated, or if compilation fails.
    Objective(Expr f, std::span<const Expr> vars, Backend backend = Backend::Jit);
    /// The objective of f with its gradient already computed (gradient[i] = ∂f/∂vars[i], as
    /// symdiff::gradient gives it): the kernel is compiled from [f, gradient...] as given,
    /// without differentiating f again (and without rerolling, which starts from f alone).
    /// Throws symdiff::Error as above and when the gradient's length is not the variables'.
    Objective(Expr f, std::span<const Expr> gradient, std::span<const Expr> vars, Backend backend = Backend::Jit);
    /// The objective of a loss over data: dims() is the loss's flat point, minimize() is
    /// Loss::minimize, fit() is Loss::fit.
    explicit Objective(Loss loss);
    ~Objective();
    Objective(Objective&&) noexcept;
    Objective& operator=(Objective&&) noexcept;

    std::size_t dims() const;
    Backend backend() const;
    /// out[0] = f(x), out[1..n] = ∇f(x).
    void operator()(const double* x, double* out) const;
    /// f(x) alone, from a kernel of f compiled on the first call.
    double value(const double* x) const;
    /// Runs options.method from start (start.size() must equal dims()).
    Report minimize(std::span<const double> start, const Options& options, CallbackRef callback = {}) const;
    /// The curvature of f at x: every eigenvalue of the symbolic Hessian for up to
    /// kEigenvalueMaxDims variables, else probe_curvature() on its Hessian-vector products.
    Curvature curvature(std::span<const double> x) const;
    /// assess() of a run of this objective, with converged_threshold(r, options, converged).
    Assessment assess(const Report& r, const Options& options, double converged = -1) const;
    /// The loss this objective was made from, or null for a point function.
    const Loss* loss() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace symdiff

#include "symdiff/detail/first_order.hpp"
