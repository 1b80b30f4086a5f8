// Sums over constant ranges in closed form, and the limit on the ones that have none.
//
// sum(i = 1..10^15, i) would run 10^15 iterations. The LoopPlan (and so the LoopInterpreter and
// the JIT's loop kernels alike) evaluates closed_forms(outputs) instead of the outputs: every
// sum whose bounds are integer constants and whose body is a polynomial in its index (of degree
// at most kMaxDegree, with coefficients free of the index) becomes sum_j c_j*S_j, where S_j is
// the exact power sum of i^j over the range. The rules and the precision are in
// docs/reductions.md, "Sums in closed form".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff::detail {

/// The largest degree of a body in the index that gets a closed form.
inline constexpr int kMaxDegree = 32;
/// The most terms a sum, or elements a vector, with constant bounds may have once closed forms
/// are taken; more is refused when the plan is built, before anything runs.
inline constexpr std::int64_t kMaxConstantRange = 1'000'000'000;

/// The outputs with every closed-form sum rewritten (see the file comment); outputs without
/// one are returned as they are (same nodes). Throws symdiff::Error naming the limit for a sum
/// or vector with constant bounds over more than kMaxConstantRange indices that has no closed
/// form.
std::vector<Expr> closed_forms(std::span<const Expr> outputs);

} // namespace symdiff::detail
