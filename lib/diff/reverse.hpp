// Shared by the files of lib/diff: small facts about nodes, and the reverse sweep that
// vectors.cpp runs over the bodies of reductions.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/expr.hpp"

namespace symdiff::detail {

inline bool is_zero(Expr e) { return e.is_number() && e.number().is_zero(); }

inline void require_symbol(Expr x, const char* what) {
    if (!x.is_symbol())
        throw Error(std::string(what) + " must be taken with respect to a variable, not a " +
                    std::string(op_name(x.op())));
}

inline bool is_scalar_reduction(Op op) { return op == Op::Sum || op == Op::RowSum || op == Op::RowMean; }

inline Expr body_of(Expr r) { return r[r.size() - 1]; }

/// The reduction r (same index and bounds) over another body.
Expr rereduce(Context& c, Expr r, Expr body);

/// The adjoints of e with respect to each of wrt (0 for one e does not depend on), by one
/// reverse sweep over e's DAG.
std::vector<Expr> reverse(Expr e, std::span<const Expr> wrt);

} // namespace symdiff::detail
