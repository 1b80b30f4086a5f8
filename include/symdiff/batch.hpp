/// \file Batch evaluation: outputs (say f and ∇f) at many points at once — a grid, the rows of
/// a table, a batch of arrays — one loop over the points that writes a value per point.
///
/// It is not a third evaluator: the outputs become a loop plan (the one of LoopInterpreter and
/// LoopKernel, docs/reductions.md) with one member per output that runs over the rows and
/// writes instead of reducing, reading each input as its value in the row. The members read
/// the same columns, so they are fused into one loop and share every common subexpression: f
/// and every component of ∇f come from one pass, four points at a time in vector registers
/// with the JIT. Parts of an output that read no input are computed once per call.
///
/// Numbers: each point gets exactly the Interpreter's operations in its order (the outputs are
/// not rewritten), so without fast_math and fp_contract the results are bit for bit those of
/// Interpreter::run and evaluate() at each point (a nan may differ in its sign bit), with
/// either backend and any number of threads.
///
///     symdiff::BatchKernel k = symdiff::batch_value_and_gradient(f, vars);
///     k.run(rows, {symdiff::BatchInput::column(xs), symdiff::BatchInput::column(ys)},
///           {f_out, dfdx_out, dfdy_out});
#pragma once

#include <csignal>
#include <cstddef>
#include <memory>
#include <span>

#include "symdiff/expr.hpp"
#include "symdiff/jit.hpp"

namespace symdiff {

/// Which engine runs a BatchKernel; both give the same numbers bit for bit.
enum class BatchBackend {
    /// The JIT when BatchOptions::expected_rows makes its compile time pay, else the interpreter.
    Auto,
    Jit,         ///< LoopKernel: native code, compiled when the BatchKernel is made
    Interpreter, ///< LoopInterpreter: no compile time, a few times slower per point
};

struct BatchOptions {
    BatchBackend backend = BatchBackend::Auto;
    /// For Auto: about how many points one run() will have (0: unknown, which chooses the
    /// interpreter). The JIT is chosen when expected_rows times the instructions of the loop
    /// body reaches kBatchJitWork.
    std::size_t expected_rows = 0;
    /// How the JIT compiles (opt_level, fast_math, fp_contract); ignored by the interpreter.
    JitOptions jit{};
    /// Threads that share the points of one run(): 1 runs on the caller's thread, 0 uses
    /// every core. Each point is computed alone, so the results never depend on it.
    unsigned threads = 1;
};

/// Auto chooses the JIT from this much work (expected rows × body instructions) on: below
/// it, compiling (about 9 ms of CPU) costs more than the interpreter's slower loop (about
/// 0.35 ns more per instruction and point) saves. Rosenbrock f and ∇f, 22 instructions, breaks
/// even near a million points (bench/README.md "## Batch evaluation").
inline constexpr std::size_t kBatchJitWork = 25000000;

/// One input of a run: a column of `rows` values (read in place, never copied), or one value
/// for every row. A broadcast input is read once per run, as a parameter of the plan: the
/// first run with a new pattern of broadcast inputs makes (with the JIT: compiles) the kernel
/// for it, which later runs with that pattern reuse.
struct BatchInput {
    const double* values = nullptr; ///< the column; null: broadcast `value`
    double value = 0;
    static BatchInput column(const double* values) { return {values, 0}; }
    static BatchInput broadcast(double value) { return {nullptr, value}; }
};

/// Outputs evaluated at many points. A List output contributes its items in order. Movable,
/// not copyable; run() is const and may be called from several threads at once.
class BatchKernel {
public:
    /// Throws symdiff::Error with the messages of the other evaluators: "unknown variable 'z'"
    /// for a symbol not among `inputs`, "cannot evaluate a list to a number" for a list inside
    /// arithmetic, "batch inputs must be variables", "variable 'x' is listed twice in the
    /// signature". Reductions: a sum over an index that does not depend on the inputs
    /// (x * sum(i = 1..3, i^2)) is computed once per run; one that does cannot be nested in the
    /// loop over the points and is an error ("reductions do not nest: sum(i = 1..3, x^i)
    /// depends on the points of the batch"), as are sums or means over data rows ("sum(x)
    /// over data rows cannot be evaluated at each point of a batch") and an input used as a
    /// vector ("'x' in x[1] is a number at each point of a batch, not a vector"). Evaluate
    /// those point by point with a LoopInterpreter or LoopKernel. With the JIT, also
    /// "optimisation level must be 0..3, got 5"; the JIT compiles at the first run with each
    /// pattern of broadcast inputs (about 9 ms for Rosenbrock f and ∇f), and an LLVM failure
    /// would be thrown there.
    BatchKernel(std::span<const Expr> outputs, std::span<const Expr> inputs, const BatchOptions& options = {});
    ~BatchKernel();
    BatchKernel(BatchKernel&&) noexcept;
    BatchKernel& operator=(BatchKernel&&) noexcept;

    std::size_t inputs() const;
    std::size_t outputs() const;
    /// True when the JIT runs it (BatchBackend::Jit, or Auto with enough expected rows).
    bool jit() const;

    /// Writes out[k][r] = outputs[k] at the point in[0][r], in[1][r], ... for r < rows.
    /// `in` has inputs() entries and `out` outputs() columns of `rows` doubles each; no
    /// output column may overlap another or an input. rows = 0 writes nothing. `stop` is
    /// honoured as LoopArgs::stop: looked at before every block of a few thousand points (and
    /// by the interpreter every 256), then symdiff::Error("evaluation interrupted") is thrown
    /// and the outputs are partly written.
    void run(std::size_t rows, std::span<const BatchInput> in, std::span<double* const> out,
             const volatile std::sig_atomic_t* stop = nullptr) const;
    /// Every input a column.
    void run(std::size_t rows, std::span<const double* const> in, std::span<double* const> out,
             const volatile std::sig_atomic_t* stop = nullptr) const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// The batch kernel of [f, ∂f/∂vars[0], ..., ∂f/∂vars[n-1]] over vars (value_and_gradient's
/// layout, the gradient from symdiff::gradient): outputs() = 1 + vars.size().
BatchKernel batch_value_and_gradient(Expr f, std::span<const Expr> vars, const BatchOptions& options = {});

} // namespace symdiff
