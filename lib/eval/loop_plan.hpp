// The evaluation plan of outputs with reductions (docs/reductions.md), shared by the
// LoopInterpreter and the JIT's loop code generator so that both check the same things in the
// same order and add the same terms in the same order.
//
// A plan has an *outer* program (everything outside loops, and the loop-invariant parts of
// loop bodies, hoisted) and *groups*: fused loops, each over one loop variable (the union of
// its members' index ranges, each member on only in its own) or over one set of data rows.
// Every loop (Sum, Vec, RowSum, RowMean node) is a *member* of one group; members of a phase
// are fused when they read a common vector (Builder::group_members says why). The
// outer program is cut into phases: phase p may use the results of loops of phases < p, and
// the groups of phase p run after the outer instructions of phase p. A loop's phase is the
// largest phase of the outer values it reads (bounds, hoisted invariants), so value and
// gradient of one loss land in one group and share one pass over the data.
//
// Instructions read earlier instructions of the same program by index ("slots"). Body
// programs read outer values through Outer instructions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "eval/semantics.hpp"
#include "symdiff/eval.hpp"

namespace symdiff::detail {

enum class PK : std::uint8_t {
    Const,  ///< value
    Scalar, ///< scalars[j]
    Len,    ///< lengths[j] (as a double)
    Read,   ///< outer only: vectors[j][a - 1], after checking a (`node`, the At) is an integer in range
    Result, ///< outer only: the value of member j (a Sum, RowSum or RowMean)
    Outer,  ///< body only: outer slot a
    Index,  ///< body only: the loop variable t (index loops)
    Load,   ///< body only: vectors[j][t + c - 1]; reads 0 where t + c is out of range
    Column, ///< body only: vectors[j][r] in row r
    Add,    ///< a + b
    Mul,    ///< a * b
    Apply,  ///< a function or power of `node` (op, power plan) on a (and b)
    Guard,  ///< guards[j] holds ? a : 0 (a guard of the same program)
};

struct PInst {
    PK kind;
    Op op = Op::Num;
    std::uint8_t pow_kind = PowPlan::General; ///< Apply of Pow: how (PowPlan::Kind)
    std::uint32_t a = 0, b = 0;
    std::uint32_t j = 0;
    /// Const: its value; Load: the c of t + c; Apply of an integer Pow: the exponent. One
    /// field, so that the plan of a large point function stays small enough for the cache its
    /// interpreter runs from (32 bytes an instruction).
    union {
        double value = 0;
        std::int64_t c;
        std::int32_t pow_k;
    };
    NodeId node = 0;

    PowPlan pow() const {
        const auto k = static_cast<PowPlan::Kind>(pow_kind);
        return {k, k == PowPlan::Integer ? pow_k : 0};
    }
};

/// lo <= k <= hi. In a body, `on_loop_var` means k is the loop variable; otherwise k, lo and
/// hi are outer slots (also when the guard is in a body: they are invariant there).
struct GuardInfo {
    bool on_loop_var = false;
    std::uint32_t k = 0, lo = 0, hi = 0;
    NodeId node = 0;
};

/// One of the ways a body instruction is reached from a member's term: the member must be
/// active and every guard listed must hold.
struct Activation {
    std::uint32_t member = 0;            ///< index into Group::members
    std::vector<std::uint32_t> guards;   ///< indices into Group::guards
    friend bool operator==(const Activation&, const Activation&) = default;
};

/// x[t + c] is read wherever one of `where` holds; checked once before the loop.
struct RangeCheck {
    NodeId at = 0;       ///< the At node, for the message
    std::uint32_t vec = 0;
    std::int64_t c = 0;
    std::vector<Activation> where;
};

/// A value that must be an integer: "<what> <expr> = <value> is not an integer".
struct IntCheck {
    std::uint32_t slot = 0; ///< outer slot
    NodeId expr = 0;
    const char* what = "";
};

struct Member {
    Op op = Op::Sum;         ///< Sum, Vec, RowSum, RowMean, MaxOver or RowMax
    /// Runs over the data rows (RowSum, RowMean, RowMax, and the Vec of a mapped output).
    bool rows = false;
    /// The Vec node, or for a mapped output (LoopPlan::build_map) the output itself.
    NodeId node = 0;
    std::uint32_t lo = 0, hi = 0; ///< outer slots (index loops)
    std::uint32_t term = 0;  ///< slot of the term in the group's body
    /// Vec: its vector output indices; more than one when the same Vec is listed twice.
    std::vector<std::uint32_t> outputs;
    std::vector<std::uint32_t> columns; ///< row loops: the columns read, first use first
    std::uint32_t phase = 0;
    std::uint32_t group = 0;
};

struct Group {
    bool rows = false;
    std::uint32_t phase = 0;
    std::vector<std::uint32_t> members;  ///< plan member ids
    std::vector<PInst> body;
    std::vector<GuardInfo> guards;
    std::vector<IntCheck> int_checks;    ///< bounds of members and guards, before the loop
    std::vector<RangeCheck> range_checks;
};

struct LoopPlan {
    const Context* ctx = nullptr;
    std::size_t n_scalars = 0, n_vectors = 0;
    std::vector<PInst> outer;             ///< outer program in creation order (slot = index)
    std::vector<std::uint32_t> schedule;  ///< outer slots in execution order (by phase)
    std::vector<std::uint32_t> phase_end; ///< schedule[phase_end[p-1] .. phase_end[p]) is phase p
    std::vector<GuardInfo> outer_guards;  ///< guards of the outer program
    std::vector<Member> members;
    std::vector<Group> groups;            ///< by phase, then first use
    std::vector<std::uint32_t> scalar_outputs; ///< outer slots
    std::vector<std::uint32_t> vector_outputs; ///< member ids of the Vec outputs
    std::uint32_t phases = 0;
    std::vector<std::string> vector_names;     ///< Signature::vectors' names

    /// The plan of outputs over a signature; throws symdiff::Error for the constructor errors
    /// of LoopInterpreter.
    static LoopPlan build(std::span<const Expr> outputs, const Signature& signature);

    /// The plan that maps outputs over the rows of the signature's vectors instead of reducing
    /// them: every output (a List contributes its items) is a Vec over the rows, written one
    /// value per row into vector_out, reading each vector symbol as its value in the row (as
    /// a bare name in sum(body) over data rows does). The outputs are not rewritten, so each
    /// row gets exactly the Interpreter's operations in its order. Its members read the same
    /// columns, so they are fused into one loop; parts that read no column are computed once.
    /// Throws symdiff::Error as build() does; a reduction that depends on the rows is
    /// "reductions do not nest: ... depends on the points of the batch".
    static LoopPlan build_map(std::span<const Expr> outputs, const Signature& signature);
};

/// A loop over the data rows rather than over an index.
inline bool is_row_loop(Op op) { return op == Op::RowSum || op == Op::RowMean || op == Op::RowMax; }

/// A member whose result is the largest term (MaxOver, RowMax) rather than the sum.
inline bool is_max_loop(Op op) { return op == Op::MaxOver || op == Op::RowMax; }

/// The start of a maximum reduction's partial maxima: the lowest finite double rather than
/// -inf, which fast-math kernels may assume away.
inline constexpr double kMaxIdentity = -std::numeric_limits<double>::max();

/// The maximum reductions' step, the same in both evaluators: a nan term never wins (the sum
/// of exponentials shifted by the maximum is nan then anyway), and of equal values the first
/// is kept.
inline double max_step(double acc, double term) { return term > acc ? term : acc; }

/// A maximum reduction's result from its four partial maxima: 0 when no term rose above
/// kMaxIdentity, so that a sum over no index, or of exp(-inf) only, shifted by it is 0 as
/// written; and +0 for -0, so that the result does not depend on which of equal zeros came
/// first.
inline double max_result(const double* p) {
    double m = max_step(max_step(p[0], p[1]), max_step(p[2], p[3]));
    return m == kMaxIdentity ? 0.0 : m + 0.0;
}

/// The messages of docs/reductions.md, one place for both evaluators.
std::string not_integer_message(const Context& ctx, const IntCheck& check, double value);
std::string index_not_integer_message(const Context& ctx, NodeId at, double value);
std::string out_of_range_message(const Context& ctx, NodeId at, std::int64_t element, std::int64_t length);
std::string column_lengths_message(const LoopPlan& plan, const Member& m, std::uint32_t a, std::int64_t la,
                                   std::uint32_t b, std::int64_t lb);

/// A LoopInterpreter running this plan.
LoopInterpreter make_loop_interpreter(LoopPlan plan);

/// The lengths of the Vec outputs for these inputs: LoopInterpreter::vector_lengths.
std::vector<std::size_t> plan_vector_lengths(const LoopPlan& plan, const LoopArgs& args);

/// A double that holds an integer a loop can count to (|v| < 2^53).
inline bool is_loop_integer(double v) { return v == std::trunc(v) && std::fabs(v) < 9007199254740992.0; }

} // namespace symdiff::detail
