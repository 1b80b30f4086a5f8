/// \file Gradient checking as tutorial 000 teaches it: the symbolic gradient against central
/// differences, with the relative error of each component and one pass/fail rule. `symdiff
/// check` and the REPL's `check` print what these functions return.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "symdiff/data.hpp"
#include "symdiff/engine.hpp"
#include "symdiff/expr.hpp"

namespace symdiff {

/// The tutorial's step: h = kCheckStep * max(1, |x|) (scaled for large coordinates, where a
/// fixed step would be lost in rounding).
inline constexpr double kCheckStep = 1e-5;
/// A component passes when its relative error is below this.
inline constexpr double kCheckThreshold = 1e-5;

/// |a - n| / max(|a| + |n|, 1e-10), the tutorial's relative error; infinity instead of nan.
double relative_error(double symbolic, double numeric);
/// The verdict rule: the one place that says whether a relative error passes.
inline bool check_passes(double relative_error) { return relative_error < kCheckThreshold; }

/// One checked coordinate: "x", or "w[3]" for an element of a vector.
struct CheckRow {
    std::string name;
    double symbolic = 0, numeric = 0, error = 0;
    bool passed() const { return check_passes(error); }
};

struct GradientCheck {
    std::vector<CheckRow> rows;
    double worst = 0; ///< the largest relative error (0 for no rows)
    bool passed() const { return check_passes(worst); }
};

/// Checks ∂f/∂v for each v of wrt at the point `at` (every free symbol of f must have a scalar
/// there: the error of require_bound otherwise). f and ∇f are evaluated by PointKernels (the
/// numbers of evaluate()), or by evaluate() itself when f has sums; f at x ± h·e_i twice per
/// variable.
GradientCheck check_gradient(Expr f, std::span<const Expr> wrt, std::span<const Assignment> at,
                             EvalBackend backend = EvalBackend::Auto, std::string_view source = {});

/// The same for f with sums over vectors or data rows: the gradient of a Loss (the kernel the
/// optimisers use) against central differences of its value. `wrt` empty means every variable
/// of `variables` (f's, in order) that is neither a column of data nor a size. Vectors among
/// wrt are checked at their first and last five elements when longer than ten: every element
/// costs two evaluations of the whole sum. A vector of `at` not in wrt is an error, since it
/// would be a constant the loss cannot take.
GradientCheck check_gradient_loops(Expr f, std::span<const Expr> wrt, std::span<const Expr> variables,
                                   std::span<const Assignment> at, const DataSet* data,
                                   EvalBackend backend = EvalBackend::Auto, std::string_view source = {});

} // namespace symdiff
