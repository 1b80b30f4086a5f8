// BatchKernel (batch.hpp): outputs mapped over rows by the one loop plan, run by the
// LoopInterpreter or the LoopKernel a block of rows at a time, the blocks shared by threads.
#include "symdiff/batch.hpp"

#include <algorithm>
#include <exception>
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

struct BatchKernel::Impl {
    std::size_t n_in = 0, n_out = 0;
    unsigned threads = 1;
    // Without inputs every output is one number: the plain plan's scalar outputs, copied to
    // every row.
    bool constant = false;
    std::unique_ptr<LoopInterpreter> interp;
    LoopKernel kernel;

    void run_block(const LoopArgs& args) const {
        if (kernel)
            kernel(args);
        else
            interp->run(args);
    }

    // Rows [begin, end) in blocks. A grid is often run a row at a time (a thousand points
    // per call), so nothing here allocates once the thread's scratch has grown.
    void run_range(std::size_t begin, std::size_t end, std::span<const BatchInput> in, std::span<double* const> out,
                   const volatile std::sig_atomic_t* stop) const {
        thread_local std::vector<const double*> cols;
        thread_local std::vector<std::int64_t> lengths;
        thread_local std::vector<double*> outs;
        thread_local std::vector<double> broadcast;
        cols.resize(n_in);
        lengths.resize(n_in);
        outs.resize(n_out);
        const std::size_t block = std::min(kBlockRows, end - begin);
        std::size_t copies = 0;
        for (std::size_t j = 0; j < n_in; ++j) copies += in[j].values ? 0 : block;
        if (broadcast.size() < copies) broadcast.resize(copies);
        for (std::size_t j = 0, at = 0; j < n_in; ++j) {
            if (in[j].values) continue;
            std::fill_n(broadcast.data() + at, block, in[j].value);
            cols[j] = broadcast.data() + at;
            at += block;
        }
        LoopArgs args;
        args.vectors = cols.data();
        args.lengths = lengths.data();
        args.vector_out = outs.data();
        args.stop = stop;
        for (std::size_t r0 = begin; r0 < end; r0 += kBlockRows) {
            if (stop != nullptr && *stop != 0) throw Error("evaluation interrupted");
            std::size_t n = std::min(kBlockRows, end - r0);
            for (std::size_t j = 0; j < n_in; ++j) {
                if (in[j].values) cols[j] = in[j].values + r0;
                lengths[j] = static_cast<std::int64_t>(n);
            }
            for (std::size_t k = 0; k < n_out; ++k) outs[k] = out[k] + r0;
            run_block(args);
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
        im.interp = std::make_unique<LoopInterpreter>(detail::make_loop_interpreter(std::move(plan)));
        return;
    }
    detail::LoopPlan plan = detail::LoopPlan::build_map(outputs, sig);
    im.n_out = plan.vector_outputs.size();
    std::size_t body = 0;
    for (const detail::Group& g : plan.groups) body += g.body.size();
    const bool use_jit = options.backend == BatchBackend::Jit ||
                         (options.backend == BatchBackend::Auto && options.expected_rows > 0 &&
                          options.expected_rows >= kBatchJitWork / std::max<std::size_t>(body, 1));
    if (use_jit)
        im.kernel = detail::compile_loop_plan(std::move(plan), options.jit);
    else
        im.interp = std::make_unique<LoopInterpreter>(detail::make_loop_interpreter(std::move(plan)));
}

BatchKernel::~BatchKernel() = default;
BatchKernel::BatchKernel(BatchKernel&&) noexcept = default;
BatchKernel& BatchKernel::operator=(BatchKernel&&) noexcept = default;

std::size_t BatchKernel::inputs() const { return impl_->n_in; }
std::size_t BatchKernel::outputs() const { return impl_->n_out; }
bool BatchKernel::jit() const { return static_cast<bool>(impl_->kernel); }

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
        im.interp->run(args);
        for (std::size_t k = 0; k < im.n_out; ++k) std::fill_n(out[k], rows, values[k]);
        return;
    }
    std::size_t threads = std::min<std::size_t>(im.threads, std::max<std::size_t>(1, rows / kRowsPerThread));
    if (threads <= 1) {
        im.run_range(0, rows, in, out, stop);
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
            if (begin < end) im.run_range(begin, end, in, out, stop);
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
