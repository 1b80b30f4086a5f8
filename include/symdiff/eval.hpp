/// \file The reference interpreter: slow, obviously correct evaluation over doubles.
///
/// It is the oracle the JIT is tested against, so its semantics are pinned down exactly:
///  - IEEE doubles, no fast-math: 1/0 = inf, ln(-1) = nan; a value, not an error.
///  - x^n for a constant integer n with |n| <= 64 is computed by square-and-multiply, and
///    1/(x^|n|) for n < 0; x^(1/2) is sqrt(x) and x^(-1/2) is 1/sqrt(x); any other power is
///    std::pow. The JIT generates exactly these operations, so both agree bit for bit.
///  - sigmoid, softplus, relu, heaviside, sign, max and min are computed as in
///    lib/eval/semantics.hpp (stable forms; nan propagates through max and min).
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff {

/// Values of variables by name.
using Bindings = std::unordered_map<std::string, double>;

/// The value of e with its symbols bound by name. Throws symdiff::Error("unknown variable 'z'")
/// if a symbol of e has no binding, and symdiff::Error("cannot evaluate a list to a number")
/// if e is or contains a list. Iterates over the topological order: any depth is fine.
double evaluate(Expr e, const Bindings& at);

/// The inputs of a kernel over vectors and data (docs/reductions.md): which symbols are read
/// as numbers and which as arrays.
struct Signature {
    /// Read as numbers: parameters, and sizes such as n (a size used in a bound or an index
    /// must hold an integral value when the kernel runs).
    std::vector<Expr> scalars;
    /// Read as arrays: vector variables (x of x[i] and len(x)) and data columns (a bare name
    /// inside sum(body) or mean(body) over rows, standing for its value in each row).
    std::vector<Expr> vectors;
};

/// One call of a LoopInterpreter or LoopKernel. Nothing is owned; nothing may overlap `out`
/// or `vector_out`.
struct LoopArgs {
    const double* scalars = nullptr;          ///< one value per Signature::scalars
    const double* const* vectors = nullptr;   ///< per Signature::vectors: element k (1-based) at [k-1]
    const std::int64_t* lengths = nullptr;    ///< per Signature::vectors: its number of elements
    double* out = nullptr;                    ///< one value per scalar output, in order
    double* const* vector_out = nullptr;      ///< per Vec output, in order: hi - lo + 1 values
    /// A flag a signal handler or another thread sets (to any non-zero value) to stop a long
    /// run: the LoopInterpreter looks at it before every block of 256 indices or rows and
    /// then throws symdiff::Error("evaluation interrupted"). The JIT's LoopKernel does not
    /// look at it. Null: never stopped. The run only reads it.
    const volatile std::sig_atomic_t* stop = nullptr;
};

/// Evaluates outputs with sums, indexed vectors and data rows: the reference semantics of
/// docs/reductions.md that the JIT's LoopKernel follows bit for bit. Outputs are scalar
/// expressions or Vec nodes (vector outputs); a List contributes its items in order.
///
/// Precisely:
///  - Every scalar operation is the Interpreter's (lib/eval/semantics.hpp).
///  - A Sum over i = lo..hi adds its terms in four partial sums s[(i - lo) mod 4], each from
///    +0.0 in increasing i, and is (s0 + s1) + (s2 + s3); RowSum likewise over the rows
///    r = 0..rows-1 by r mod 4, and RowMean is that sum / rows. An empty sum is +0.0.
///  - A reduction (or Vec) may use the value of another reduction that does not depend on its
///    index or rows, as a gradient uses its loss (2*x[k]/sum(...)): that value is computed
///    first, once. A reduction that depends on the index of one around it is rejected.
///  - Loop-invariant parts of a body are computed once, before the loop, and also when the
///    loop runs no iteration or sits under a guard that never holds (so an invariant x[n]
///    out of range is an error there too). Guard bodies that depend on the index are read only
///    where the guard holds.
///  - Errors, checked in a fixed order (the outer values of a phase in order, then per loop
///    its bounds and those of its guards, then its index ranges, then its columns):
///      "index out of range: x[i + 1] reads x[11], x has 10 elements"
///      "sum bound n - 1 = 2.5 is not an integer" ("vector bound", "guard bound", "guard
///      index" for the other integers; "... is too large" for an integer of 2^53 or more)
///      "index n = 2.5 of x[n] is not an integer"
///      "columns of different lengths in one mean: x has 50 rows, y has 49" (columns named
///      in signature order; "in one sum" for RowSum)
///      "mean over no rows"
class LoopInterpreter {
public:
    /// Throws symdiff::Error if an output has a free symbol not in the signature ("unknown
    /// variable 'z'"), uses a vector symbol as a number outside a row reduction, nests
    /// reductions, or indexes with something other than i + c or an index-free expression.
    LoopInterpreter(std::span<const Expr> outputs, const Signature& signature);
    struct Impl;
    /// From a plan made inside the library (batch.hpp maps outputs over rows this way).
    explicit LoopInterpreter(std::unique_ptr<Impl> impl) noexcept;
    ~LoopInterpreter();
    LoopInterpreter(LoopInterpreter&&) noexcept;
    LoopInterpreter& operator=(LoopInterpreter&&) noexcept;

    std::size_t scalar_outputs() const;
    std::size_t vector_outputs() const;
    /// The length of each Vec output for these inputs (its bounds evaluated), so that callers
    /// can size vector_out. Throws like run() for a bad bound.
    std::vector<std::size_t> vector_lengths(const LoopArgs& args) const;
    /// Writes every output. Throws symdiff::Error for an index out of range, a bound or index
    /// that is not an integer, columns of different lengths in one row reduction, or a mean
    /// over no rows (messages in docs/reductions.md). Const and safe to call concurrently.
    void run(const LoopArgs& args) const;

private:
    std::unique_ptr<Impl> impl_;
};

/// Evaluates several outputs over ordered inputs, sharing common subexpressions: a
/// LoopInterpreter whose signature is the inputs, read as numbers. out[i] = outputs[i](in).
class Interpreter {
public:
    /// Throws symdiff::Error if an output has a free symbol not among `inputs` ("unknown
    /// variable 'z'"), is or contains a list, or if an input is not a symbol, and what the
    /// LoopInterpreter's constructor throws for a sum (one over an index bound by the inputs is
    /// evaluated; vectors and data rows have no inputs here). An input listed twice reads its
    /// first slot.
    Interpreter(std::span<const Expr> outputs, std::span<const Expr> inputs);
    /// in[inputs()] -> out[outputs()]; bit for bit the same as evaluate() on each output.
    /// Const and safe to call from several threads at once (each call has its own scratch).
    void run(const double* in, double* out) const;
    std::size_t inputs() const { return n_in_; }
    std::size_t outputs() const { return loops_.scalar_outputs(); }

private:
    /// Where each scalar of the signature is in `in`, when an input is listed twice; else empty.
    std::vector<std::uint32_t> pick_;
    LoopInterpreter loops_;
    std::size_t n_in_ = 0;
};

} // namespace symdiff
