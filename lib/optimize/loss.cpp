/// \file Loss: a function of parameters and vectors over data rows as a GradientKernel, its
/// threaded evaluation, and fit() with shuffled mini-batches.
#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/optimize.hpp"

#include "optimize/block_pool.hpp"

namespace symdiff {
namespace {

// The block kernel's extra inputs. A space cannot occur in a parsed name, so these never
// meet a user's variable.
constexpr const char* kFirstBlock = "first block";
constexpr const char* kBlockShare = "block share";

bool has_row_reduction(Expr e) {
    const Expr roots[] = {e};
    const Context& ctx = e.context();
    for (NodeId id : topological_order(roots)) {
        const Op op = ctx[id].op();
        if (op == Op::RowSum || op == Op::RowMean) return true;
    }
    return false;
}

// Symbols that stand where an integer is needed: the bounds of sums, guards and vectors and
// the indices of x[k], minus the indices the reductions bind and the vectors.
std::vector<Expr> size_positions(Expr f) {
    const Expr roots[] = {f};
    const Context& ctx = f.context();
    std::unordered_set<Expr> bound, seen;
    std::vector<Expr> used;
    auto collect = [&](Expr e) {
        for (Expr s : free_symbols(e))
            if (seen.insert(s).second) used.push_back(s);
    };
    for (NodeId id : topological_order(roots)) {
        const Expr e = ctx[id];
        switch (e.op()) {
        case Op::Sum:
        case Op::Vec:
        case Op::Guard:
            bound.insert(e[0]);
            collect(e[1]);
            collect(e[2]);
            break;
        case Op::At: collect(e[1]); break;
        case Op::Len: bound.insert(e[0]); break;
        default: break;
        }
    }
    for (NodeId id : topological_order(roots)) {
        const Expr e = ctx[id];
        if (e.is(Op::At)) bound.insert(e[0]);
    }
    std::erase_if(used, [&](Expr s) { return bound.count(s) != 0; });
    return used;
}

// A term of f that is linear in one row reduction: the reduction alone, or row-free factors
// times it. Returns the reduction, or a null Expr.
Expr linear_reduction(Expr term) {
    if (term.is(Op::RowSum) || term.is(Op::RowMean)) return term;
    if (!term.is(Op::Mul)) return {};
    Expr found;
    for (std::size_t i = 0; i < term.size(); ++i) {
        const Expr k = term[i];
        if (k.is(Op::RowSum) || k.is(Op::RowMean)) {
            if (!found.is_null()) return {};
            found = k;
        } else if (has_row_reduction(k)) {
            return {};
        }
    }
    return found;
}

// Each j uniform in 0..bound-1 by rejection: std::uniform_int_distribution's algorithm is
// left to the library, and the shuffle must be the same everywhere.
std::uint64_t uniform_below(std::mt19937_64& g, std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound; // 2^64 mod bound
    for (;;) {
        const std::uint64_t r = g();
        if (r >= threshold) return r % bound;
    }
}

} // namespace

std::vector<Expr> vector_symbols(Expr e) {
    const Expr roots[] = {e};
    const Context& ctx = e.context();
    std::vector<Expr> out;
    for (NodeId id : topological_order(roots)) {
        const Expr n = ctx[id];
        if ((n.is(Op::At) || n.is(Op::Len)) && std::find(out.begin(), out.end(), n[0]) == out.end())
            out.push_back(n[0]);
    }
    return out;
}

std::vector<Expr> size_symbols(Expr e) { return size_positions(e); }

struct Loss::Impl {
    Expr f;
    std::vector<Expr> scalars;
    std::vector<VectorParameter> vectors;
    std::vector<ColumnView> columns; // the columns f reads, or the one that counts the rows
    bool row_counter = false;        // columns holds only the column that counts the rows
    std::vector<SizeBinding> sizes;
    Backend backend = Backend::Jit;
    std::size_t rows = 0;
    std::size_t dims = 0;
    std::vector<std::size_t> offsets; // of each vector in the flat point
    std::size_t min_rows = 0;
    std::size_t threads = 1;
    bool linear = false;
    std::string serial_reason;

    // The kernel over [f, ∂f/∂p..., ∇_x f...]; the block kernel the same for a block of the
    // rows, with two more scalar inputs: 1 for the first block (which alone carries the
    // row-free terms) and rows_in_block/rows (which turns its means into shares of the mean).
    struct Kernel {
        std::optional<LoopInterpreter> interp;
        LoopKernel jit;
        void run(const LoopArgs& a) const {
            if (interp) interp->run(a);
            else jit(a);
        }
    };
    /// A kernel over all rows and, when evaluations of min_rows rows or more go by blocks,
    /// its block kernel; `width` outputs: f and ∇f, or f alone.
    struct Kernels {
        Kernel whole, block;
        bool has_block = false;
        std::size_t width = 0;
    };
    Kernels grad;  // [f, ∇f]
    Kernels value; // [f] for value(), made on its first call
    std::once_flag value_once;
    std::unique_ptr<detail::BlockPool> pool; // threads - 1 workers, or none for one thread

    // The blocks of an evaluation over n rows: a number that depends on n and the width of
    // [f, ∇f] only, never on the threads, so that every thread count adds the same partial
    // sums in the same order. At most 64 (a few more than the cores of most machines, and
    // each at least parallel_min_rows / 64 rows), and their partial results at most 32 MB.
    static constexpr std::size_t kMaxBlocks = 64;
    std::size_t block_count(std::size_t n) const {
        // Of the gradient's width for the value too, so that value() adds the same blocks.
        const std::size_t by_memory = std::max<std::size_t>(1, (std::size_t{4} << 20) / (dims + 1));
        return std::min({n, kMaxBlocks, by_memory});
    }

    void build(Kernel& k, Expr g, bool with_block_inputs, bool with_gradient) {
        Signature sig;
        sig.scalars = scalars;
        for (const SizeBinding& s : sizes) sig.scalars.push_back(s.symbol);
        if (with_block_inputs) {
            Context& ctx = g.context();
            sig.scalars.push_back(ctx.symbol(kFirstBlock));
            sig.scalars.push_back(ctx.symbol(kBlockShare));
        }
        for (const VectorParameter& v : vectors) sig.vectors.push_back(v.symbol);
        for (const ColumnView& c : columns) sig.vectors.push_back(g.context().symbol(c.name));
        std::vector<Expr> outputs{g};
        if (with_gradient && !scalars.empty()) {
            std::vector<Expr> gs = gradient(g, scalars);
            outputs.insert(outputs.end(), gs.begin(), gs.end());
        }
        if (with_gradient)
            for (const VectorParameter& v : vectors) outputs.push_back(vector_gradient(g, v.symbol));
        if (backend == Backend::Jit) k.jit = compile_loops(outputs, sig);
        else k.interp.emplace(outputs, sig);
    }

    Expr block_expression() const {
        Context& ctx = f.context();
        const Expr first = ctx.symbol(kFirstBlock);
        const Expr share = ctx.symbol(kBlockShare);
        std::vector<Expr> terms;
        auto add_term = [&](Expr t) {
            const Expr r = linear_reduction(t);
            if (r.is_null()) terms.push_back(t * first);
            else if (r.is(Op::RowMean)) terms.push_back(t * share);
            else terms.push_back(t);
        };
        if (f.is(Op::Add))
            for (std::size_t i = 0; i < f.size(); ++i) add_term(f[i]);
        else
            add_term(f);
        return ctx.add(terms);
    }

    bool is_linear() const {
        auto ok = [](Expr t) { return !has_row_reduction(t) || !linear_reduction(t).is_null(); };
        if (f.is(Op::Add)) {
            for (std::size_t i = 0; i < f.size(); ++i)
                if (!ok(f[i])) return false;
            return true;
        }
        return ok(f);
    }

    /// Evaluates [f, ∇f] at x over `n` rows whose columns start at cols[c].
    void eval_rows(const Kernel& k, const double* x, double* out, const double* const* cols, std::size_t n,
                   const double* block_inputs) const {
        const std::size_t P = scalars.size(), S = sizes.size();
        const std::size_t ns = P + S + (block_inputs ? 2 : 0);
        const std::size_t nv = vectors.size() + columns.size();
        double scal_small[16];
        std::vector<double> scal_big;
        double* scal = scal_small;
        if (ns > 16) {
            scal_big.resize(ns);
            scal = scal_big.data();
        }
        std::copy(x, x + P, scal);
        for (std::size_t i = 0; i < S; ++i) scal[P + i] = sizes[i].value;
        if (block_inputs) {
            scal[P + S] = block_inputs[0];
            scal[P + S + 1] = block_inputs[1];
        }
        const double* vp_small[16];
        std::int64_t len_small[16];
        double* vout_small[16];
        std::vector<const double*> vp_big;
        std::vector<std::int64_t> len_big;
        std::vector<double*> vout_big;
        const double** vp = vp_small;
        std::int64_t* len = len_small;
        double** vout = vout_small;
        if (nv > 16) {
            vp_big.resize(nv);
            len_big.resize(nv);
            vout_big.resize(nv);
            vp = vp_big.data();
            len = len_big.data();
            vout = vout_big.data();
        }
        for (std::size_t j = 0; j < vectors.size(); ++j) {
            vp[j] = x + offsets[j];
            len[j] = static_cast<std::int64_t>(vectors[j].length);
            vout[j] = out + 1 + offsets[j];
        }
        for (std::size_t c = 0; c < columns.size(); ++c) {
            vp[vectors.size() + c] = cols[c];
            len[vectors.size() + c] = static_cast<std::int64_t>(n);
        }
        LoopArgs a;
        a.scalars = scal;
        a.vectors = vp;
        a.lengths = len;
        a.out = out;
        a.vector_out = vout;
        k.run(a);
    }

    /// [f, ∇f] over n rows, in blocks (on several threads when there are workers) when that is
    /// allowed and worth it.
    void evaluate(const Kernels& ks, const double* x, double* out, const double* const* cols, std::size_t n) const {
        if (!ks.has_block || n < min_rows) return eval_rows(ks.whole, x, out, cols, n, nullptr);
        const std::size_t B = block_count(n);
        const std::size_t T = pool ? std::min(pool->workers() + 1, B) : 1;
        const std::size_t width = ks.width;
        std::vector<double> parts(B * width);
        std::vector<std::exception_ptr> errors(B);
        const std::function<void(std::size_t)> job = [&](std::size_t t) {
            for (std::size_t b = t; b < B; b += T) {
                try {
                    std::vector<const double*> c(columns.size());
                    const std::size_t lo = n * b / B, hi = n * (b + 1) / B;
                    for (std::size_t i = 0; i < columns.size(); ++i) c[i] = cols[i] + lo;
                    const double inputs[2] = {b == 0 ? 1.0 : 0.0,
                                              static_cast<double>(hi - lo) / static_cast<double>(n)};
                    eval_rows(ks.block, x, parts.data() + b * width, c.data(), hi - lo, inputs);
                } catch (...) {
                    errors[b] = std::current_exception();
                }
            }
        };
        if (T > 1) pool->run(job);
        else job(0);
        // The first error and the sum in block order, whatever order the workers finished in.
        for (const std::exception_ptr& e : errors)
            if (e) std::rethrow_exception(e);
        std::copy(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(width), out);
        for (std::size_t b = 1; b < B; ++b)
            for (std::size_t i = 0; i < width; ++i) out[i] += parts[b * width + i];
    }

    /// Builds `ks` for f, with the gradient or without.
    void build_all(Kernels& ks, bool with_gradient) {
        ks.width = with_gradient ? dims + 1 : 1;
        build(ks.whole, f, false, with_gradient);
        // Blocks whenever they may be used, also for one thread, which then gives the same bits.
        if (!columns.empty() && linear && rows >= min_rows) {
            build(ks.block, block_expression(), true, with_gradient);
            ks.has_block = true;
        }
    }

    void evaluate_all(const Kernels& ks, const double* x, double* out) const {
        const double* small[16];
        std::vector<const double*> big;
        const double** cols = small;
        if (columns.size() > 16) {
            big.resize(columns.size());
            cols = big.data();
        }
        for (std::size_t c = 0; c < columns.size(); ++c) cols[c] = columns[c].values.data();
        evaluate(ks, x, out, cols, rows);
    }
};

Loss::Loss(Expr f, const LossInputs& inputs, const LossOptions& options) : impl_(std::make_unique<Impl>()) {
    const auto& [scalars, vectors, columns, sizes] = inputs;
    Impl& im = *impl_;
    if (f.is(Op::List) || f.is(Op::Vec)) throw Error("the loss must be a number, not a list or a vector");
    im.f = f;
    im.backend = options.backend;
    std::unordered_map<std::string, std::string> role; // name -> what it already is
    auto claim = [&role](const std::string& name, const char* what) {
        auto [it, fresh] = role.emplace(name, what);
        if (!fresh) throw Error(fmt::format("'{}' is given twice (as {} and as {})", name, it->second, what));
    };
    for (Expr s : scalars) {
        if (!s.is_symbol()) throw Error("a parameter must be a variable name");
        claim(s.name(), "a parameter");
        im.scalars.push_back(s);
    }
    for (const VectorParameter& v : vectors) {
        if (!v.symbol.is_symbol()) throw Error("a vector parameter must be a variable name");
        claim(v.symbol.name(), "a vector");
        im.vectors.push_back(v);
    }
    for (const SizeBinding& s : sizes) {
        if (!s.symbol.is_symbol()) throw Error("a size must be a variable name");
        claim(s.symbol.name(), "a size");
    }
    std::unordered_map<std::string, const ColumnView*> by_name;
    for (const ColumnView& c : columns) by_name.emplace(c.name, &c);

    const auto size_list = size_positions(f);
    const std::unordered_set<Expr> positions(size_list.begin(), size_list.end());
    std::vector<Expr> inferred;
    for (Expr s : free_symbols(f)) {
        const std::string& name = s.name();
        if (role.count(name)) continue;
        if (auto it = by_name.find(name); it != by_name.end()) {
            role.emplace(name, "a column");
            im.columns.push_back(*it->second);
            continue;
        }
        if (positions.count(s)) {
            role.emplace(name, "a size");
            inferred.push_back(s);
            continue;
        }
        throw Error(fmt::format("the loss uses '{}', which is not a parameter{}", name,
                                columns.empty() ? "" : ", a column of the data"));
    }
    // Given sizes first in f's order, then the inferred ones.
    for (const SizeBinding& s : sizes)
        if (depends_on(f, s.symbol)) im.sizes.push_back(s);
    for (Expr s : inferred) {
        if (im.vectors.empty())
            throw Error(fmt::format("the size '{}' has no value, and there is no vector to take it from", s.name()));
        const std::size_t n = im.vectors.front().length;
        for (const VectorParameter& v : im.vectors)
            if (v.length != n)
                throw Error(fmt::format("the size '{}' has no value, and the vectors differ in length ({} has {}, {} has {})",
                                        s.name(), im.vectors.front().symbol.name(), n, v.symbol.name(), v.length));
        im.sizes.push_back(SizeBinding{s, static_cast<double>(n)});
    }
    // Keep the constructor's column order, so callers can line buffers up with it.
    std::vector<ColumnView> used;
    for (const ColumnView& c : columns)
        if (std::any_of(im.columns.begin(), im.columns.end(), [&](const ColumnView& u) { return u.name == c.name; }))
            used.push_back(c);
    im.columns = std::move(used);
    // A sum or mean over rows that reads no column (mean(2*m), or the derivative of a term
    // free of the data) runs over the rows of the data, as docs/reductions.md says, so some
    // column must count them. With none read, the first that f does not name at all counts
    // them: it is never read (mini-batches copy it as one more column).
    if (im.columns.empty() && !columns.empty() && has_row_reduction(f)) {
        std::unordered_set<std::string> named;
        const Expr roots[] = {f};
        for (NodeId id : topological_order(roots))
            if (const Expr e = f.context()[id]; e.is_symbol()) named.insert(e.name());
        auto counter = std::find_if(columns.begin(), columns.end(), [&](const ColumnView& c) { return !named.count(c.name); });
        im.columns.push_back(counter != columns.end() ? *counter : columns.front());
        im.row_counter = true;
    }
    for (const ColumnView& c : im.columns) {
        if (c.values.size() != im.columns.front().values.size())
            throw Error(fmt::format("columns of different lengths: {} has {} rows, {} has {}", im.columns.front().name,
                                    im.columns.front().values.size(), c.name, c.values.size()));
    }
    im.rows = im.columns.empty() ? 0 : im.columns.front().values.size();
    im.dims = im.scalars.size();
    for (const VectorParameter& v : im.vectors) {
        im.offsets.push_back(im.dims);
        im.dims += v.length;
    }
    if (im.dims == 0) throw Error("the loss has no parameters to fit");

    im.min_rows = std::max<std::size_t>(1, options.parallel_min_rows);
    im.threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    im.linear = im.is_linear();
    if (im.columns.empty()) im.serial_reason = "no data rows";
    else if (!im.linear) im.serial_reason = "the loss is not linear in its sum(...) and mean(...) over rows";
    else if (im.threads < 2) im.serial_reason = "one thread asked for";
    else if (im.rows < im.min_rows) im.serial_reason = fmt::format("fewer than {} rows", im.min_rows);
    im.build_all(im.grad, true);
    if (im.serial_reason.empty() && im.block_count(im.rows) < 2)
        im.serial_reason = "the gradient is too long to split the rows into blocks";
    if (im.serial_reason.empty()) {
        // More workers than blocks would only wait.
        im.pool = std::make_unique<detail::BlockPool>(std::min(im.threads, im.block_count(im.rows)) - 1);
        im.threads = im.pool->workers() + 1;
        if (im.threads < 2) {
            im.serial_reason = "no other thread could be started";
            im.pool.reset();
        }
    }
}

Loss::~Loss() = default;

Loss::Loss(Loss&&) noexcept = default;
Loss& Loss::operator=(Loss&&) noexcept = default;

std::size_t Loss::dims() const { return impl_->dims; }
std::size_t Loss::rows() const { return impl_->rows; }
Backend Loss::backend() const { return impl_->backend; }
std::span<const SizeBinding> Loss::sizes() const { return impl_->sizes; }
std::size_t Loss::threads() const { return impl_->pool ? impl_->threads : 1; }
std::string Loss::serial_reason() const { return impl_->serial_reason; }

std::vector<std::string> Loss::columns_used() const {
    std::vector<std::string> names;
    if (impl_->row_counter) return names;
    for (const ColumnView& c : impl_->columns) names.push_back(c.name);
    return names;
}

std::string Loss::coordinate_name(std::size_t i) const {
    const Impl& im = *impl_;
    if (i < im.scalars.size()) return im.scalars[i].name();
    for (std::size_t j = im.vectors.size(); j-- > 0;)
        if (i >= im.offsets[j]) return fmt::format("{}[{}]", im.vectors[j].symbol.name(), i - im.offsets[j] + 1);
    return "?";
}

void Loss::operator()(const double* x, double* out) const { impl_->evaluate_all(impl_->grad, x, out); }

double Loss::value(const double* x) const {
    Impl& im = *impl_;
    std::call_once(im.value_once, [&im] { im.build_all(im.value, false); });
    // The vector gradients' output pointers are set but never written by a kernel without them.
    std::vector<double> out(im.dims + 1);
    im.evaluate_all(im.value, x, out.data());
    return out[0];
}

Report Loss::minimize(std::span<const double> start, const Options& options, CallbackRef callback) const {
    if (start.size() != dims())
        throw Error(fmt::format("the start point has {} coordinates but the loss has {}", start.size(), dims()));
    if (options.method == Method::Newton)
        detail::throw_bad_options("method newton needs a Hessian, which a loss over vectors or data does not compile");
    if (callback) return symdiff::minimize(*this, start, options, callback);
    return symdiff::minimize(*this, start, options);
}

Curvature Loss::curvature(std::span<const double> x) const {
    const std::size_t n = dims();
    if (x.size() != n) throw Error(fmt::format("the point has {} coordinates but the loss has {}", x.size(), n));
    auto hv = [&](const double* v, double* out) { gradient_difference_hv(*this, x, v, out); };
    if (n > kEigenvalueMaxDims) return probe_curvature(n, hv);
    // Small: the whole Hessian, one column per unit vector, made symmetric.
    std::vector<double> h(n * n), e(n, 0.0), col(n);
    for (std::size_t j = 0; j < n; ++j) {
        e[j] = 1;
        hv(e.data(), col.data());
        e[j] = 0;
        for (std::size_t i = 0; i < n; ++i) h[i * n + j] = col[i];
    }
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < i; ++j) h[i * n + j] = h[j * n + i] = 0.5 * (h[i * n + j] + h[j * n + i]);
    Curvature c = classify_curvature(symmetric_eigenvalues(h, n));
    // Differences of the gradient are not a symbolic Hessian: their eigenvalues carry the error
    // of the differences, so they are judged with the probe's tolerance.
    c = classify_curvature(std::move(c.eigenvalues), true);
    return c;
}

Assessment Loss::assess(const Report& r, const Options& options, double converged) const {
    return symdiff::assess(r, converged_threshold(r, options, converged),
                           [this](std::span<const double> x) { return curvature(x); });
}

namespace {

template <class Rule>
void run_batches(const Loss::Impl& im, const Loss& loss, const FitOptions& fo, std::size_t batch, FitReport& fr) {
    const Options& o = fo.optimiser;
    Report& r = fr.report;
    const std::size_t n = im.dims, N = im.rows, C = im.columns.size();
    std::vector<double> out(n + 1);
    double* x = r.x.data();
    std::vector<std::vector<double>> buffers(C, std::vector<double>(batch));
    std::vector<const double*> cols(C);
    for (std::size_t c = 0; c < C; ++c) cols[c] = buffers[c].data();
    std::vector<std::size_t> order(N);
    std::mt19937_64 rng(fo.seed);
    Rule rule(n, o);
    detail::RateSequence rate(o.schedule, o.lr);
    double eta = o.lr;

    loss(x, out.data());
    std::size_t evaluations = 1;
    r.f_start = out[0];
    r.grad_norm_start = detail::norm(out.data() + 1, n);
    fr.curve.push_back(out[0]);
    if (fo.record_path) fr.path.insert(fr.path.end(), x, x + n);
    bool go_on = !fo.on_epoch || fo.on_epoch(StepInfo{0, {x, n}, out[0], {}});
    const double limit = std::isinf(o.diverge_factor) ? std::numeric_limits<double>::max()
                                                      : o.diverge_factor * std::max(1.0, std::fabs(out[0]));
    std::size_t step = 0, epoch = 0;
    double f = out[0], f_prev = out[0];
    r.reason = StopReason::MaxSteps;
    const volatile std::sig_atomic_t* const stop = o.stop;
    for (;;) {
        if (!go_on) {
            r.reason = StopReason::Callback;
            r.message = fmt::format("stopped by the callback at epoch {} ({} updates)", epoch, step);
            break;
        }
        if (!(std::fabs(f) <= limit)) {
            r.reason = StopReason::Diverged;
            r.message = std::isfinite(f) ? fmt::format("diverged: |loss| = {} exceeded {} at epoch {}",
                                                       format_double(std::fabs(f)), format_double(limit), epoch)
                                         : fmt::format("diverged: the loss became {} at epoch {}", format_double(f), epoch);
            break;
        }
        if (o.grad_tol > 0 && detail::norm(out.data() + 1, n) < o.grad_tol) {
            r.reason = StopReason::GradientTolerance;
            r.message = detail::finish_message(r.reason, step, detail::norm(out.data() + 1, n), o.grad_tol);
            break;
        }
        if (o.f_tol > 0 && epoch > 0 && std::fabs(f - f_prev) <= o.f_tol * std::max(1.0, std::fabs(f))) {
            r.reason = StopReason::FunctionTolerance;
            r.message = detail::finish_message(r.reason, step, std::fabs(f - f_prev), o.f_tol);
            break;
        }
        if (epoch == fo.epochs) {
            r.message = fmt::format("stopped after {} epochs ({} updates)", epoch, step);
            break;
        }
        f_prev = f;
        std::iota(order.begin(), order.end(), std::size_t{0});
        for (std::size_t i = N - 1; i > 0; --i) std::swap(order[i], order[uniform_below(rng, i + 1)]);
        bool interrupted = false;
        for (std::size_t b = 0; b < N; b += batch) {
            if (stop != nullptr && *stop != 0) [[unlikely]] {
                interrupted = true;
                break;
            }
            const std::size_t m = std::min(batch, N - b);
            for (std::size_t c = 0; c < C; ++c) {
                const double* src = im.columns[c].values.data();
                double* dst = buffers[c].data();
                for (std::size_t t = 0; t < m; ++t) dst[t] = src[order[b + t]];
            }
            im.evaluate(im.grad, x, out.data(), cols.data(), m);
            ++evaluations;
            rule.update(x, out.data() + 1, n, eta);
            ++step;
            if (o.schedule.kind != Schedule::Kind::Constant) {
                rate.advance(step);
                eta = rate.current();
            }
        }
        if (interrupted) {
            // The loss over all rows where the run stopped, mid-epoch: the report's value.
            loss(x, out.data());
            ++evaluations;
            f = out[0];
            r.reason = StopReason::Interrupted;
            r.message = fmt::format("interrupted in epoch {} ({} updates)", epoch + 1, step);
            break;
        }
        ++epoch;
        loss(x, out.data());
        ++evaluations;
        f = out[0];
        fr.curve.push_back(f);
        if (fo.record_path) fr.path.insert(fr.path.end(), x, x + n);
        if (fo.on_epoch) go_on = fo.on_epoch(StepInfo{epoch, {x, n}, f, {}});
    }
    r.f = f;
    r.grad_norm = detail::norm(out.data() + 1, n);
    r.steps = step;
    r.evaluations = evaluations;
    fr.epochs_run = epoch;
}

} // namespace

FitReport Loss::fit(std::span<const double> start, const FitOptions& options) const {
    const Impl& im = *impl_;
    if (start.size() != dims())
        throw Error(fmt::format("the start point has {} coordinates but the loss has {}", start.size(), dims()));
    const Options& o = options.optimiser;
    if (o.method == Method::Newton) detail::throw_bad_options("fit does not run newton: a loss over data has no Hessian kernel");
    const bool full = options.batch == 0 || im.rows == 0 || options.batch >= im.rows;
    if (!full && o.method == Method::LBFGS)
        detail::throw_bad_options("lbfgs needs the full batch: its line search compares losses of the same rows");
    FitReport fr;
    fr.threads = threads();
    fr.batch = full ? im.rows : options.batch;
    fr.batches_per_epoch = full ? 1 : (im.rows + options.batch - 1) / options.batch;
    const auto t0 = std::chrono::steady_clock::now();
    if (full) {
        Options run = o;
        run.max_steps = options.epochs;
        run.trace_every = 0;
        std::vector<double>& curve = fr.curve;
        // Not all of a huge --epochs up front: the run may stop long before.
        curve.reserve(std::min<std::size_t>(options.epochs, std::size_t{1} << 20) + 1);
        std::vector<double>& path = fr.path;
        const bool keep = options.record_path;
        const CallbackRef on_epoch = options.on_epoch;
        auto record = [&curve, &path, keep, on_epoch](const StepInfo& s) {
            curve.push_back(s.f);
            if (keep) path.insert(path.end(), s.x.begin(), s.x.end());
            return !on_epoch || on_epoch(StepInfo{s.step, s.x, s.f, {}});
        };
        fr.report = minimize(start, run, CallbackRef(record));
        // A diverged or interrupted step is not shown to the callback; the curve still ends
        // where the run did.
        if (curve.size() < fr.report.steps + 1) {
            curve.push_back(fr.report.f);
            if (keep) path.insert(path.end(), fr.report.x.begin(), fr.report.x.end());
            if (on_epoch) on_epoch(StepInfo{fr.report.steps, fr.report.x, fr.report.f, {}});
        }
        fr.epochs_run = fr.report.steps;
        if (fr.report.reason == StopReason::MaxSteps)
            fr.report.message = fmt::format("stopped after {} epochs ({} updates)", fr.epochs_run, fr.report.steps);
        if (fr.report.reason == StopReason::Interrupted)
            fr.report.message = fmt::format("interrupted at epoch {} ({} updates)", fr.epochs_run, fr.report.steps);
    } else {
        detail::validate(start.size(), start, o);
        Report& r = fr.report;
        r.method = o.method;
        r.start.assign(start.begin(), start.end());
        r.x = r.start;
        auto go = [&]<class Rule>() { run_batches<Rule>(im, *this, options, options.batch, fr); };
        switch (o.method) {
        case Method::GradientDescent: go.template operator()<detail::GdRule>(); break;
        case Method::Momentum:
            if (o.momentum_form == MomentumForm::Accumulate) go.template operator()<detail::MomentumAccumulateRule>();
            else go.template operator()<detail::MomentumVelocityRule>();
            break;
        case Method::Nesterov: go.template operator()<detail::NesterovRule>(); break;
        case Method::Adam: go.template operator()<detail::AdamRule>(); break;
        case Method::RMSProp: go.template operator()<detail::RmsPropRule>(); break;
        case Method::LBFGS:
        case Method::Newton: break;
        }
    }
    fr.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return fr;
}

} // namespace symdiff
