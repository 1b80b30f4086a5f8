/// \file Evaluating an expression at given values: binding names to numbers, vectors and data
/// columns (with the sizes of sums inferred), choosing the engine (the JIT when it pays, else
/// the interpreter; the same numbers either way) and running it. The CLI, the REPL and the
/// Python module call these functions, so they bind and evaluate alike.
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "symdiff/data.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/optimize.hpp"

namespace symdiff {

/// `name = value`: a number (with the constant expression it was written as, `pi/2`, when
/// known), or a vector of numbers.
struct Assignment {
    std::string name;
    double value = 0;
    std::vector<double> elements; ///< the vector's values when is_vector
    bool is_vector = false;
    /// For a vector written as a list without brackets (`x=1,2`): the error to give if the
    /// expression uses `name` as a number, where the list is most likely a missing `y=`.
    std::string scalar_error;
    Expr exact; ///< the constant expression of a scalar value; null for vectors and plain numbers
};

/// A number, or the values of a list's items.
struct Value {
    double scalar = 0;
    std::vector<Value> items;
    bool is_list = false;
};

/// Which engine evaluates. Both give the same numbers bit for bit (the JIT is compiled without
/// fast-math and without rerolling), so the choice only changes the time.
enum class EvalBackend : std::uint8_t {
    Auto,   ///< the JIT when the cost model says it is faster (jit_pays), else the interpreter
    Jit,    ///< always the JIT; an expression it cannot compile is an error
    Interp, ///< always the reference interpreter
};

// --- the cost model

/// What a task asks of an engine: a kernel of `nodes` DAG nodes called `calls` times, each
/// call over `elements` vector elements or data rows (1 for a point kernel).
struct Work {
    std::size_t nodes = 0;
    double calls = 1;
    double elements = 1;
};
/// True if compiling (at -O0, or -O2 for loops when that is cheaper overall) and running native
/// code takes less time than interpreting (the rule and its measured constants are in
/// lib/eval/engine.cpp).
bool jit_pays(const Work& w, bool loops);
/// The same for a Loss (optimize.hpp), which compiles at -O2.
bool loss_jit_pays(const Work& w);
/// The JIT options for this work that keep the interpreter's numbers: the opt level jit_pays
/// assumed, no fast-math, no rerolling.
JitOptions exact_jit_options(const Work& w, bool loops);
/// DAG nodes of the outputs together.
std::size_t dag_nodes(std::span<const Expr> outputs);
/// Throws the error for EvalBackend::Jit when the JIT refuses what the interpreter takes:
/// "--backend jit: the JIT cannot compile this expression (why); --backend interp evaluates it".
[[noreturn]] void throw_jit_refused(const Error& why);

// --- point functions

/// f(point) for scalar outputs over ordered inputs, by the JIT or the Interpreter as `backend`
/// and the expected number of calls decide. Throws what the Interpreter's constructor throws
/// for a bad expression (with either backend); with EvalBackend::Jit, also the error of
/// throw_jit_refused if the JIT cannot compile what the Interpreter takes. Under Auto a JIT
/// failure falls back to the Interpreter silently.
class PointKernel {
public:
    PointKernel(std::span<const Expr> outputs, std::span<const Expr> inputs, EvalBackend backend, double calls);
    void operator()(const double* in, double* out) const;
    bool native() const { return static_cast<bool>(jit_); }

private:
    CompiledFunction jit_;
    std::optional<Interpreter> interp_;
};

/// Throws symdiff::Error "unknown variable 'z': give its value with --at z=..." for the first
/// free symbol of e (free_symbols order) that no scalar of `at` binds, with a caret under it in
/// `source` when it occurs there as a word.
void require_bound(Expr e, std::span<const Assignment> at, std::string_view source = {});
/// The scalar leaves of e (e itself, or the items of a list, recursively) in order.
std::vector<Expr> scalar_leaves(Expr e);
/// The value of e (a number or a list) with every free symbol bound by a scalar of `at`,
/// through a PointKernel: the numbers of evaluate(). Throws the error of require_bound for a
/// free symbol `at` lacks (`source` is the text e was parsed from, for the caret).
Value evaluate_point(Expr e, std::span<const Assignment> at, EvalBackend backend, std::string_view source = {});

// --- sums over vectors and data rows (docs/reductions.md)

/// True if e (or an item of a list) has sums, indexed vectors, len() or row reductions: the
/// expressions the loop evaluators take and evaluate() does not.
bool uses_loops(Expr e);
/// True if e reads the symbol `name` as a number: anywhere but as the vector of x[k] or len(x),
/// and, unless rows_read_numbers, but inside a sum or mean over data rows (where a bare name
/// may be a column given as a vector).
bool used_as_number(Expr e, std::string_view name, bool rows_read_numbers);

/// The inputs of the loop evaluators for some outputs, made by bind_loops.
struct LoopBinding {
    Signature signature;
    std::vector<double> scalars;
    std::vector<const double*> vectors; ///< views into the Assignments and the DataSet given
    std::vector<std::int64_t> lengths;
    std::vector<Assignment> inferred; ///< the sizes that were inferred
    const volatile std::sig_atomic_t* stop = nullptr; ///< LoopArgs::stop of the run
};
/// Binds every free symbol of the outputs: to a scalar or vector of `at`, else to the column of
/// `data` of that name, else (a size n of sum(i = 1..n, ...)) to the common length of the
/// vectors of `at` the outputs read. A sum over rows that reads no column still runs over the
/// rows of `data`. Throws symdiff::Error, with a caret in `source` (the text the outputs were
/// parsed from, may be empty) under the name when it occurs there as a word:
///   "'x' is a vector (x[...]): give its elements with --at 'x=[a, b, ...]'",
///   "'n' has no value, and the vectors differ in length (x has 3, y has 2): give it with --at n=...",
///   "unknown variable 'z': give its value with --at z=..." (naming a near column of data),
///   "mean(x) runs over the rows of data: give them with --data FILE.csv".
/// The LoopBinding points into `at` and `data`, which must outlive it.
LoopBinding bind_loops(std::span<const Expr> outputs, std::span<const Assignment> at, const DataSet* data,
                       std::string_view source = {});
/// The values of scalar and Vec outputs (a Vec gives a list) by the LoopKernel or the
/// LoopInterpreter, as `backend` and the cost model decide (the same errors and numbers
/// either way).
std::vector<Value> evaluate_loops(std::span<const Expr> outputs, const LoopBinding& b,
                                  EvalBackend backend = EvalBackend::Interp);

/// The columns of a data set as a Loss reads them (views into `data`).
std::vector<ColumnView> column_views(const DataSet& data);

/// A Loss (optimize.hpp) on the engine `backend` chooses for `work`: under Auto the JIT when
/// loss_jit_pays, falling back to the interpreter if the JIT refuses; under Jit the error of
/// throw_jit_refused then. `options.backend` is overridden.
Loss make_loss(Expr f, std::span<const Expr> scalars, std::span<const VectorParameter> vectors,
               std::span<const ColumnView> columns, std::span<const SizeBinding> fixed, LossOptions options,
               EvalBackend backend, const Work& work);

// --- losses over data

/// The variables of f to differentiate or fit by when none are named: those of `variables`
/// (f's, in order) that are neither a column of data nor a size (n of sum(i = 1..n, ...)).
std::vector<Expr> default_parameters(Expr f, std::span<const Expr> variables, const DataSet* data);

/// The parameters of a loss as Loss takes them, and the start point of a run.
struct LossParameters {
    std::vector<Expr> scalars;            ///< the parameters f uses as numbers, in the order given
    std::vector<VectorParameter> vectors; ///< the parameters f indexes (w[k]), in the order given
    std::vector<double> start;            ///< the scalars, then each vector's elements
};
/// Splits `params` into scalars and vectors with their start values from `start` (by name;
/// a scalar not given starts at 0; a vector must be given, for its length). Throws
/// symdiff::Error in the words of `option`, the name of what gave the start values:
///   "--init gives a vector to 'm', which the loss uses as a number",
///   "'w' is a vector: give its start value and length with --init w=[0]*N".
LossParameters loss_parameters(Expr f, std::span<const Expr> params, std::span<const Assignment> start,
                               std::string_view option = "--init");

/// Throws symdiff::Error `message`, with a caret under the first whole-word occurrence of
/// `name` in `source` (none if it does not occur).
[[noreturn]] void throw_at_word(std::string_view source, std::string_view name, const std::string& message);

} // namespace symdiff
