// BatchKernel (batch.hpp): outputs mapped over rows by the one loop plan, run by the
// LoopInterpreter or the LoopKernel a block of rows at a time, the blocks shared by threads.
#include "symdiff/batch.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "eval/loop_plan.hpp"
#include "jit/plan_kernel.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/print.hpp"

namespace symdiff {

namespace {

// Rows per call of the engine: the stop flag is looked at between blocks, and a broadcast
// input is a column of this many copies. Large enough that the checks before a loop cost
// nothing against it.
constexpr std::size_t kBlockRows = 8192;
// A thread gets at least this many rows: fewer would cost more to start than they save.
constexpr std::size_t kRowsPerThread = 16384;

// What the plan cannot map over points, found before it is built so that the message names
// the batch rather than data rows or vectors.
void check_mappable(std::span<const Expr> outputs, std::span<const Expr> inputs) {
    std::unordered_set<NodeId> in;
    for (Expr v : inputs) {
        if (!v.is_symbol()) throw Error("batch inputs must be variables");
        in.insert(v.id());
    }
    for (NodeId id : topological_order(outputs)) {
        Expr e = outputs[0].context()[id];
        if (e.is(Op::RowSum) || e.is(Op::RowMean) || e.is(Op::RowMax))
            throw Error(to_string(e) + " over data rows cannot be evaluated at each point of a batch");
        if ((e.is(Op::At) || e.is(Op::Len)) && in.count(e[0].id())) {
            std::string text = e.is(Op::At) ? e[0].name() + "[" + to_string(e[1]) + "]" : to_string(e);
            throw Error("'" + e[0].name() + "' in " + text + " is a number at each point of a batch, not a vector");
        }
    }
}

} // namespace

namespace {

// One compiled (or interpreted) plan for one pattern of inputs: which are columns of the
// rows and which are the same number for every row. A broadcast input is a scalar of the plan,
// so what depends on it alone is computed once per call, as for a parameter.
struct Engine {
    std::unique_ptr<LoopInterpreter> interp;
    LoopKernel kernel;
    std::vector<char> broadcast; ///< per input: read from LoopArgs::scalars rather than a column
    std::uint64_t bits = 0;      ///< `broadcast` of the first 64 inputs as bits

    void run(const LoopArgs& args) const {
        if (kernel)
            kernel(args);
        else
            interp->run(args);
    }
};

} // namespace

struct BatchKernel::Impl {
    std::size_t n_in = 0, n_out = 0;
    unsigned threads = 1;
    bool use_jit = false;
    std::vector<Expr> outputs, inputs;
    JitOptions jit;
    // Without inputs every output is one number: the plain plan's scalar outputs, copied to
    // every row.
    bool constant = false;
    // No inputs: the plain plan, interpreted once per run.
    std::unique_ptr<Engine> columns;
    // Made on first use, for the patterns with some (not all) inputs broadcast.
    mutable std::mutex mutex;
    mutable std::map<std::vector<char>, std::unique_ptr<Engine>> variants;
    mutable std::atomic<const Engine*> last{nullptr};
    mutable std::atomic<std::uint64_t> last_bits{0};

    // Made when first used: a caller that always broadcasts a parameter never compiles the
    // kernel with every input a column.
    std::unique_ptr<Engine> make_engine(std::vector<char> broadcast) const {
        Signature sig;
        for (std::size_t j = 0; j < n_in; ++j) (broadcast[j] ? sig.scalars : sig.vectors).push_back(inputs[j]);
        auto e = std::make_unique<Engine>();
        e->broadcast = std::move(broadcast);
        detail::LoopPlan plan = detail::LoopPlan::build_map(outputs, sig);
        if (use_jit)
            e->kernel = detail::compile_loop_plan(std::move(plan), jit);
        else
            e->interp = std::make_unique<LoopInterpreter>(detail::make_loop_interpreter(std::move(plan)));
        return e;
    }

    // The engine for these inputs. With every input broadcast there is no column to count the
    // rows: the column engine then reads blocks of copies.
    // A grid run a row at a time asks for the same engine a thousand times: the last one
    // found is kept (as its pattern's bits, for up to 64 inputs) and found without the lock.
    const Engine& engine_for(std::span<const BatchInput> in) const {
        std::size_t count = 0;
        std::uint64_t bits = 0;
        for (std::size_t j = 0; j < n_in; ++j)
            if (in[j].values == nullptr) {
                ++count;
                if (j < 64) bits |= std::uint64_t{1} << j;
            }
        // Every input broadcast: there is no column to count the rows, so the column engine
        // reads blocks of copies.
        if (count == n_in) count = 0, bits = 0;
        if (n_in <= 64 && last_bits.load(std::memory_order_acquire) == bits)
            if (const Engine* e = last.load(std::memory_order_acquire); e && e->bits == bits) return *e;
        std::vector<char> broadcast(n_in);
        if (count != 0)
            for (std::size_t j = 0; j < n_in; ++j) broadcast[j] = in[j].values == nullptr;
        std::lock_guard<std::mutex> lock(mutex);
        auto& slot = variants[broadcast];
        if (!slot) {
            slot = make_engine(broadcast);
            slot->bits = bits;
        }
        last.store(slot.get(), std::memory_order_release);
        last_bits.store(bits, std::memory_order_release);
        return *slot;
    }

    // Rows [begin, end) in blocks. A grid is often run a row at a time (a thousand points
    // per call), so nothing here allocates once the thread's scratch has grown.
    void run_range(const Engine& engine, std::size_t begin, std::size_t end, std::span<const BatchInput> in,
                   std::span<double* const> out, const volatile std::sig_atomic_t* stop) const {
        thread_local std::vector<const double*> cols;
        thread_local std::vector<std::int64_t> lengths;
        thread_local std::vector<double*> outs;
        thread_local std::vector<double> scalars;
        thread_local std::vector<double> copies;
        cols.clear();
        scalars.clear();
        outs.resize(n_out);
        const std::size_t block = std::min(kBlockRows, end - begin);
        // Broadcast inputs the engine reads as columns: blocks of copies.
        std::size_t copied = 0;
        for (std::size_t j = 0; j < n_in; ++j) copied += !in[j].values && !engine.broadcast[j] ? block : 0;
        if (copies.size() < copied) copies.resize(copied);
        for (std::size_t j = 0, at = 0; j < n_in; ++j) {
            if (engine.broadcast[j]) {
                scalars.push_back(in[j].value);
            } else if (!in[j].values) {
                std::fill_n(copies.data() + at, block, in[j].value);
                cols.push_back(copies.data() + at);
                at += block;
            } else {
                cols.push_back(nullptr);
            }
        }
        lengths.resize(cols.size());
        LoopArgs args;
        args.scalars = scalars.data();
        args.vectors = cols.data();
        args.lengths = lengths.data();
        args.vector_out = outs.data();
        args.stop = stop;
        for (std::size_t r0 = begin; r0 < end; r0 += kBlockRows) {
            if (stop != nullptr && *stop != 0) throw Error("evaluation interrupted");
            std::size_t n = std::min(kBlockRows, end - r0);
            for (std::size_t j = 0, k = 0; j < n_in; ++j) {
                if (engine.broadcast[j]) continue;
                if (in[j].values) cols[k] = in[j].values + r0;
                lengths[k++] = static_cast<std::int64_t>(n);
            }
            for (std::size_t k = 0; k < n_out; ++k) outs[k] = out[k] + r0;
            engine.run(args);
        }
    }
};

BatchKernel::BatchKernel(std::span<const Expr> outputs, std::span<const Expr> inputs, const BatchOptions& options)
    : impl_(std::make_unique<Impl>()) {
    Impl& im = *impl_;
    im.n_in = inputs.size();
    im.threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (!outputs.empty()) check_mappable(outputs, inputs);
    else
        for (Expr v : inputs)
            if (!v.is_symbol()) throw Error("batch inputs must be variables");
    Signature sig;
    sig.vectors.assign(inputs.begin(), inputs.end());
    if (inputs.empty()) {
        im.constant = true;
        detail::LoopPlan plan = detail::LoopPlan::build(outputs, sig);
        if (!plan.vector_outputs.empty()) {
            const detail::Member& m = plan.members[plan.vector_outputs[0]];
            std::string text = to_string(outputs[0].context()[m.node]);
            throw Error("the vector " + text + " cannot be evaluated at each point of a batch");
        }
        im.n_out = plan.scalar_outputs.size();
        im.columns = std::make_unique<Engine>();
        im.columns->interp = std::make_unique<LoopInterpreter>(detail::make_loop_interpreter(std::move(plan)));
        return;
    }
    detail::LoopPlan plan = detail::LoopPlan::build_map(outputs, sig);
    im.n_out = plan.vector_outputs.size();
    std::size_t body = 0;
    for (const detail::Group& g : plan.groups) body += g.body.size();
    im.use_jit = options.backend == BatchBackend::Jit ||
                 (options.backend == BatchBackend::Auto && options.expected_rows > 0 &&
                  options.expected_rows >= kBatchJitWork / std::max<std::size_t>(body, 1));
    im.outputs.assign(outputs.begin(), outputs.end());
    im.inputs.assign(inputs.begin(), inputs.end());
    im.jit = options.jit;
    // The plan is built here for its errors; the JIT compiles at the first run of a pattern.
    if (im.use_jit && (options.jit.opt_level < 0 || options.jit.opt_level > 3))
        throw Error("optimisation level must be 0..3, got " + std::to_string(options.jit.opt_level));
    if (!im.use_jit) {
        auto e = std::make_unique<Engine>();
        e->broadcast.assign(im.n_in, 0);
        e->interp = std::make_unique<LoopInterpreter>(detail::make_loop_interpreter(std::move(plan)));
        im.variants.emplace(e->broadcast, std::move(e));
    }
}

BatchKernel::~BatchKernel() = default;
BatchKernel::BatchKernel(BatchKernel&&) noexcept = default;
BatchKernel& BatchKernel::operator=(BatchKernel&&) noexcept = default;

std::size_t BatchKernel::inputs() const { return impl_->n_in; }
std::size_t BatchKernel::outputs() const { return impl_->n_out; }
bool BatchKernel::jit() const { return impl_->use_jit; }

void BatchKernel::run(std::size_t rows, std::span<const BatchInput> in, std::span<double* const> out,
                      const volatile std::sig_atomic_t* stop) const {
    const Impl& im = *impl_;
    if (in.size() != im.n_in)
        throw Error("batch run: " + std::to_string(in.size()) + " inputs given, the kernel has " +
                    std::to_string(im.n_in));
    if (out.size() != im.n_out)
        throw Error("batch run: " + std::to_string(out.size()) + " output columns given, the kernel has " +
                    std::to_string(im.n_out));
    if (rows == 0) return;
    if (im.constant) {
        if (stop != nullptr && *stop != 0) throw Error("evaluation interrupted");
        std::vector<double> values(im.n_out);
        LoopArgs args;
        args.out = values.data();
        args.stop = stop;
        im.columns->run(args);
        for (std::size_t k = 0; k < im.n_out; ++k) std::fill_n(out[k], rows, values[k]);
        return;
    }
    std::size_t threads = std::min<std::size_t>(im.threads, std::max<std::size_t>(1, rows / kRowsPerThread));
    const Engine& engine = im.engine_for(in);
    if (threads <= 1) {
        im.run_range(engine, 0, rows, in, out, stop);
        return;
    }
    // Contiguous shares, each a whole number of blocks but the last: every row is computed
    // alone, so where the cuts fall changes no bit.
    std::size_t blocks = (rows + kBlockRows - 1) / kBlockRows;
    std::vector<std::exception_ptr> errors(threads);
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    auto share = [&](std::size_t t) {
        std::size_t b0 = blocks * t / threads, b1 = blocks * (t + 1) / threads;
        std::size_t begin = b0 * kBlockRows, end = std::min(rows, b1 * kBlockRows);
        try {
            if (begin < end) im.run_range(engine, begin, end, in, out, stop);
        } catch (...) {
            errors[t] = std::current_exception();
        }
    };
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(share, t);
    share(0);
    for (std::thread& t : pool) t.join();
    for (const std::exception_ptr& e : errors)
        if (e) std::rethrow_exception(e);
}

void BatchKernel::run(std::size_t rows, std::span<const double* const> in, std::span<double* const> out,
                      const volatile std::sig_atomic_t* stop) const {
    thread_local std::vector<BatchInput> columns;
    columns.clear();
    for (const double* c : in) columns.push_back(BatchInput::column(c));
    run(rows, std::span<const BatchInput>(columns), out, stop);
}

BatchKernel batch_value_and_gradient(Expr f, std::span<const Expr> vars, const BatchOptions& options) {
    std::vector<Expr> outputs = value_and_gradient(f, vars);
    return BatchKernel(outputs, vars, options);
}

} // namespace symdiff
