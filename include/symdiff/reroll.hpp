/// \file Loop rerolling: a flat sum of repeated terms over numbered variables, as a sum over an index.
///
/// Extended Rosenbrock written out flat, 100*(x2 - x1^2)^2 + (1 - x1)^2 + 100*(x3 - x2^2)^2 + ...,
/// is a DAG of 13 nodes per variable, so its straight-line kernel grows with n (instruction
/// fetch bound, and LLVM's compile time with it). reroll() finds the terms of the top-level sum
/// that repeat one shape over variables whose positions in `vars` advance by a constant stride,
/// and returns the same function over vector symbols, each such group a Sum node
/// (docs/reductions.md): sum(i = 1..n-1, 100*(v[i + 1] - v[i]^2)^2 + (1 - v[i])^2). Its
/// derivative by the vector (vector_gradient) and its loop kernel (compile_loops) then have a
/// size independent of n.
///
/// The result is exactly equal as a function: each rolled term, with the index bound, is the
/// original term with its variables renamed (checked by substitution and node identity, never
/// by hash alone). Evaluated, it differs by rounding only: a Sum adds its terms in the
/// reductions' order (four interleaved partial sums), not in the canonical order of the flat
/// sum, and a term's operands may be ordered differently once its variables are x[i + c].
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff {

struct RerollOptions {
    /// A group of terms becomes a loop only if it has at least this many terms (at least 2).
    std::size_t min_terms = 8;
    /// At most this many terms that depend on the variables may stay outside the loops (as
    /// terms over fixed elements v[j]); more, and reroll() refuses: each one becomes a guarded
    /// special case of the gradient loop.
    std::size_t max_leftovers = 32;
};

/// The rerolled form of a function of vars.
struct Rerolled {
    /// The function over `vectors` only: vars[j] is vectors[j % S][j / S + 1] with
    /// S = vectors.size() (the stride of the loops; 1 except for sums such as
    /// (x1 - x2)^2 + (x3 - x4)^2 + ... whose terms advance by two variables).
    Expr expr;
    std::vector<Expr> vectors;
    /// The length of each vector: the number of j with j % S == its number.
    std::vector<std::size_t> lengths;
    std::size_t rolled_terms = 0;   ///< terms of the flat sum now inside Sum nodes
    std::size_t loops = 0;          ///< Sum nodes made
    std::size_t leftover_terms = 0; ///< terms that depend on vars and stay as point terms
};

/// The rerolled form of f over vars (distinct symbols), or nullopt when rerolling does not
/// apply: f is not a sum; f uses a symbol not among vars, a vector, a reduction or a list; no
/// group of options.min_terms terms of one shape at a constant stride exists; or more than
/// options.max_leftovers terms would stay outside the loops.
///
/// Two terms have the same shape when one is the other with every variable vars[p] replaced
/// by vars[p + d] for one shift d; terms of one shape whose base positions (the smallest
/// position of a variable they use) form an arithmetic progression b, b + S, b + 2S, ... make
/// one group. The loops all have the stride S that covers the most terms; groups of other
/// strides stay as point terms. Groups of equal length share one Sum.
std::optional<Rerolled> reroll(Expr f, std::span<const Expr> vars, const RerollOptions& options = {});

} // namespace symdiff
