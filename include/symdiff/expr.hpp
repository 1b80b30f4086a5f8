/// \file The expression DAG: immutable, hash-consed nodes owned by a Context, and the Expr handle.
///
/// Numeric semantics (what the smart constructors may assume; every pass keeps to it):
///  - Values are IEEE doubles. Constants are exact rationals where they fit (see number.hpp)
///    and are folded exactly.
///  - Construction applies only rewrites that preserve the value wherever the expression is
///    defined (finite, not nan): flattening, constant folding, x + 0 -> x, x*1 -> x, x^1 -> x,
///    x^0 -> 1, 1^x -> 1, collecting like terms (2x + 3x -> 5x) and equal bases
///    (x*x^a -> x^(1+a)), (x^a)^n -> x^(a*n) for integer n, (a*b)^n -> a^n*b^n for integer n,
///    exp(a)^b -> exp(a*b), ln(exp(a)) -> a, and 0*x -> 0. The last two kinds can turn an
///    undefined value into a defined one (x/x -> 1 at x = 0, 0*x -> 0 at x = inf), as SymPy
///    and SymEngine do; they never change a defined value.
///  - Subtraction and division are not nodes: a - b is a + (-1)*b and a/b is a*b^-1. The
///    printers turn them back into `a - b` and `a/b`.
///
/// Canonical order: the operands of Add and Mul are sorted by a structural key (a hash of the
/// structure, independent of construction order, with symbols keyed by name and constants by
/// value), the numeric term or coefficient first. The order is deterministic across runs and
/// platforms; the printers choose their own, human order for display.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "symdiff/number.hpp"

namespace symdiff {

/// Node kinds; see ops.def.
enum class Op : std::uint8_t {
#define SYMDIFF_OP(name, spelling, arity, kind) name,
#include "symdiff/ops.def"
#undef SYMDIFF_OP
};

enum class OpKind : std::uint8_t { Atom, Operator, Function };

/// The spelling of an op ("exp", "add", ...), its arity (-1 for n-ary) and its kind.
std::string_view op_name(Op op);
int op_arity(Op op);
OpKind op_kind(Op op);
/// Number of ops in ops.def.
constexpr std::size_t op_count() {
    return 0
#define SYMDIFF_OP(name, spelling, arity, kind) +1
#include "symdiff/ops.def"
#undef SYMDIFF_OP
        ;
}

/// Index of a node in its Context. Children always have smaller ids than their parents, so
/// increasing id order is a topological order of the DAG.
using NodeId = std::uint32_t;

class Context;

namespace detail {
/// The plain data of one interned node. Immutable once created.
struct Node {
    Op op;
    std::uint32_t size;          ///< number of children
    std::uint32_t height;        ///< 1 + max height of the children (atoms: 1)
    const NodeId* kids;          ///< children, stable for the Context's lifetime
    Number num;                  ///< payload of Num
    const std::string* name;     ///< payload of Sym
    std::uint64_t key;           ///< structural hash: the canonical order key
};
} // namespace detail

/// A cheap value handle on an interned node: a Context pointer and a NodeId. Two Exprs of the
/// same Context are equal exactly when they are structurally equal (hash-consing), so
/// comparison and hashing are O(1). An Expr is valid as long as its Context lives.
class Expr {
public:
    /// A null handle; only is_null() and comparison may be called on it.
    Expr() = default;
    Expr(Context* ctx, NodeId id) : ctx_(ctx), id_(id) {}

    bool is_null() const { return ctx_ == nullptr; }
    NodeId id() const { return id_; }
    /// The Context that owns the node, where passes make new nodes. A handle gives the right
    /// to make nodes: making one never changes an existing node (see Context).
    Context& context() const { return *ctx_; }

    Op op() const { return node().op; }
    /// Number of children.
    std::size_t size() const { return node().size; }
    Expr operator[](std::size_t i) const { return Expr(ctx_, node().kids[i]); }
    std::span<const NodeId> child_ids() const { return {node().kids, node().size}; }
    /// Length of the longest path to a leaf (atoms have height 1).
    std::uint32_t height() const { return node().height; }
    std::uint64_t key() const { return node().key; }

    bool is(Op o) const { return op() == o; }
    bool is_number() const { return op() == Op::Num; }
    bool is_symbol() const { return op() == Op::Sym; }
    /// The constant of a Num node.
    const Number& number() const { return node().num; }
    /// The name of a Sym node.
    const std::string& name() const { return *node().name; }

    /// True for a Num equal to the given integer.
    bool is_integer(std::int64_t n) const {
        return is_number() && number().is_integer() && number().num() == n;
    }

    friend bool operator==(Expr a, Expr b) { return a.id_ == b.id_ && a.ctx_ == b.ctx_; }

    const detail::Node& node() const;

private:
    Context* ctx_ = nullptr;
    NodeId id_ = 0;
};

/// Hash functor for unordered containers of Expr.
struct ExprHash {
    std::size_t operator()(Expr e) const { return std::hash<NodeId>{}(e.id()); }
};

/// Owns every node of the expressions made in it and interns them.
///
/// Thread safety: a Context may be shared by any number of threads. Making nodes (every
/// member function that returns an Expr) is serialised by an internal mutex; reading existing
/// nodes through Expr never locks and is safe concurrently with making new ones, because node
/// storage never moves. Distinct Contexts are fully independent.
///
/// Errors: the makers throw symdiff::Error (diagnostic.hpp) on misuse that input can cause,
/// such as a wrong number of function arguments.
class Context {
public:
    Context();
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    // --- atoms
    Expr number(const Number& n);
    Expr integer(std::int64_t n) { return number(Number::integer(n)); }
    Expr rational(std::int64_t p, std::int64_t q) { return number(Number::rational(p, q)); }
    Expr real(double v) { return number(Number::from_double(v)); }
    /// The variable with this name (the same node for the same name).
    Expr symbol(std::string_view name);
    Expr pi();
    /// Euler's number, exp(1).
    Expr e();

    // --- canonicalising constructors (see the file comment for what they rewrite)
    Expr add(std::span<const Expr> terms);
    Expr add(std::initializer_list<Expr> terms) { return add(std::span<const Expr>(terms.begin(), terms.size())); }
    Expr mul(std::span<const Expr> factors);
    Expr mul(std::initializer_list<Expr> factors) { return mul(std::span<const Expr>(factors.begin(), factors.size())); }
    Expr pow(Expr base, Expr exponent);
    Expr neg(Expr a);
    Expr sub(Expr a, Expr b);
    Expr div(Expr a, Expr b);
    Expr sqrt(Expr a);
    /// A built-in function (op_kind(fn) == Function) applied to its arguments; throws
    /// symdiff::Error if the number of arguments differs from op_arity(fn).
    Expr call(Op fn, std::span<const Expr> args);
    Expr call(Op fn, std::initializer_list<Expr> args) { return call(fn, std::span<const Expr>(args.begin(), args.size())); }
    Expr list(std::span<const Expr> items);
    Expr list(std::initializer_list<Expr> items) { return list(std::span<const Expr>(items.begin(), items.size())); }

    // --- vectors and reductions (ops.def). Indices are 1-based. The makers check only the
    // shape (the vector and index arguments are symbols); whether an index is an integer in
    // range is known when values are bound, and the evaluators check it there.
    /// x[k], element k of the vector variable x.
    Expr at(Expr vector, Expr index);
    /// len(x), the length of the vector variable x.
    Expr len(Expr vector);
    /// sum(i = lo..hi, body), which is 0 when hi < lo. A numeric coefficient of the body is
    /// taken outside (sum(i = 1..n, 2*u) -> 2*sum(i = 1..n, u)), a zero body gives 0, and
    /// constant bounds with hi < lo give 0.
    Expr sum(Expr index, Expr lo, Expr hi, Expr body);
    /// sum(body) over the rows of the data; a numeric coefficient goes outside, as for sum.
    Expr row_sum(Expr body);
    /// mean(body) over the rows of the data; mean(c) of a constant is c (there is at least
    /// one row whenever a mean is evaluated), and a numeric coefficient goes outside.
    Expr row_mean(Expr body);
    /// body where lo <= k <= hi and 0 elsewhere; a zero body or constant bounds that exclude
    /// every k give 0.
    Expr guard(Expr index, Expr lo, Expr hi, Expr body);
    /// The vector [body for k = lo..hi] (an output, like a List).
    Expr vec(Expr index, Expr lo, Expr hi, Expr body);
    /// The largest body over i = lo..hi (0 over no index). Evaluation only: the stable forms
    /// of sums of exponentials are shifted by it (docs/reductions.md).
    Expr max_over(Expr index, Expr lo, Expr hi, Expr body);
    /// The largest body over the rows of the data. Evaluation only, as max_over.
    Expr row_max(Expr body);

    /// Rebuilds a node of kind op from new children with the canonicalising constructors
    /// (a Num or Sym `like` is returned as it is). Passes use it to map over children.
    Expr rebuild(Expr like, std::span<const Expr> kids);

    /// The Expr for an id of this Context. Reading a const Context hands out Exprs that can
    /// make nodes: interning only adds immutable nodes, so it is not a change any reader of
    /// the existing ones can observe (the one place a const Context becomes mutable).
    Expr operator[](NodeId id) const { return Expr(const_cast<Context*>(this), id); }
    /// Number of interned nodes.
    std::size_t size() const;

    /// Strict total order used for canonical operand order (by structure, never by id).
    static bool canonical_less(Expr a, Expr b);

private:
    friend class Expr;
    struct Impl;
    // Interns a node whose children are already canonical; the one place nodes are made.
    NodeId make_raw(Op op, std::span<const NodeId> kids, const Number& num = Number(),
                    const std::string* name = nullptr);
    const detail::Node& node(NodeId id) const { return chunks_[id >> chunk_shift_][id & chunk_mask_]; }
    // Node storage, read without a lock while makers append: blocks of nodes that never move,
    // found through a directory that never moves (context.cpp owns both and their sizes).
    detail::Node* const* chunks_ = nullptr;
    unsigned chunk_shift_ = 0;
    NodeId chunk_mask_ = 0;
    std::unique_ptr<Impl> impl_;
};

inline const detail::Node& Expr::node() const { return ctx_->node(id_); }

// Arithmetic sugar on handles of one Context.
Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
Expr operator/(Expr a, Expr b);
Expr operator-(Expr a);
Expr pow(Expr base, Expr exponent);

/// The distinct free symbols of e in order of first appearance (left to right in canonical
/// order of the tree walk; parse() reports the order of the source text separately). The index
/// of a Sum or Vec is bound in its body and is not free there; a vector variable x of x[k] or
/// len(x) is free.
std::vector<Expr> free_symbols(Expr e);

/// True if e contains a free occurrence of the symbol s (as free_symbols counts them).
bool depends_on(Expr e, Expr s);

/// e with every occurrence of each pairs[j].first (any node; the first match wins) replaced by
/// pairs[j].second, all at once, rebuilt with the canonicalising constructors. A symbol is
/// not replaced where a Sum or Vec binds it, and substitution throws symdiff::Error if a
/// replacement would put a free symbol under a reduction that binds the same name (capture).
Expr substitute(Expr e, std::span<const std::pair<Expr, Expr>> pairs);

/// True for the reductions and comprehensions that bind an index: Sum, Vec and MaxOver.
inline bool binds_index(Op op) { return op == Op::Sum || op == Op::Vec || op == Op::MaxOver; }
/// True for any node that loops: Sum, Vec, RowSum, RowMean, MaxOver and RowMax.
inline bool is_reduction(Op op) {
    return op == Op::Sum || op == Op::Vec || op == Op::RowSum || op == Op::RowMean || op == Op::MaxOver ||
           op == Op::RowMax;
}

/// Number of distinct nodes reachable from the roots (their size as one DAG).
std::size_t dag_size(std::span<const Expr> roots);
inline std::size_t dag_size(Expr e) { return dag_size(std::span<const Expr>(&e, 1)); }
/// The reachable nodes of the roots in increasing id order (a topological order: children
/// first). Passes walk it through dag.hpp's visitor, fold and mapper.
std::vector<NodeId> topological_order(std::span<const Expr> roots);

} // namespace symdiff

template <>
struct std::hash<symdiff::Expr> {
    std::size_t operator()(symdiff::Expr e) const noexcept { return std::hash<symdiff::NodeId>{}(e.id()); }
};
