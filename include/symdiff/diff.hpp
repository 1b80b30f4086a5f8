/// \file Symbolic differentiation: derivatives, gradients (reverse mode), Jacobians, Hessians.
///
/// Every result is built with the Context's canonicalising constructors, so zero terms vanish
/// and the result shares nodes with its input. All functions are iterative (no recursion over
/// the expression), so expressions 100,000 nodes deep are fine.
///
/// Conventions at non-smooth points (the machine-learning ones): relu'(0) = 0, abs'(0) = 0,
/// sign' = heaviside' = 0 everywhere, and max/min pass the derivative of the strictly larger
/// (smaller) argument and share it equally at a tie, as PyTorch does:
/// max(a, b)' = (1 + sign(a - b))/2*a' + (1 - sign(a - b))/2*b'.
///
/// Reductions (docs/reductions.md) stay nodes: by a scalar variable p, the derivative of
/// sum(i = lo..hi, body) is sum(i = lo..hi, d body/dp), and likewise for the means and sums
/// over data rows, guards and Vec; 2*mean((m*x + b - y)*x) is the node
/// 2*row_mean((m*x + b - y)*x). Bounds, indices, x[k] and len(x) have derivative 0 by a scalar
/// (they are integers, or values read at integer positions): d/dn sum(i = 1..n, x[i]*n) is
/// sum(i = 1..n, x[i]). An index is bound in its sum, so the derivative by a symbol named like
/// the index of a sum is 0 inside that sum (as free_symbols() says, the sum does not depend on
/// it). A variable read as x[k] or len(x) is a vector variable; diff and gradient by it give
/// vector_gradient(), and hessian and jacobian refuse it, naming banded_hessian and
/// vector_gradient.
///
/// Errors: symdiff::Error (diagnostic.hpp) when asked for something that has no derivative,
/// e.g. differentiating with respect to something that is not a variable, or the gradient of
/// a list.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff {

/// The derivative of e with respect to the variable x (a Sym of the same Context), built by
/// the sum, product, power and chain rules and one rule per built-in function; memoised per
/// node, so shared subexpressions are differentiated once. A List differentiates elementwise.
/// Throws symdiff::Error if x is not a symbol.
Expr diff(Expr e, Expr x);

/// The n-th derivative (n >= 0; n == 0 returns e).
Expr diff(Expr e, Expr x, int order);

/// Successive partial derivatives: diff(diff(e, xs[0]), xs[1]) ..., as SymPy's diff(f, x, y).
Expr diff(Expr e, std::span<const Expr> xs);

/// The local partial derivative of node `e` with respect to its i-th child, as a function of
/// the children (e.g. for sin(u): cos(u); for a product: the product of the other factors).
/// The one table of differentiation rules: diff, gradient and the step-by-step derivations
/// all use it. For Add it is 1; for a Pow f^g it is g*f^(g-1) (i = 0) or f^g*ln(f) (i = 1).
/// Indices, bounds and both kids of x[k] and len(x) have partial 0, and a guard's body has
/// guard(k, lo, hi, 1). The body of a sum, mean or Vec has no local partial (the reduction is
/// linear in it, and diff differentiates under it instead): that throws symdiff::Error.
Expr local_partial(Expr e, std::size_t i);

/// The gradient of a scalar e with respect to vars, in the order given, by symbolic reverse
/// mode: one sweep over e's DAG in reverse topological order accumulating adjoints in a side
/// table. The gradient DAG and the time grow linearly with e's DAG, for wide sums and for
/// deep chains alike (sin(... sin(x + x) ... + x) or x^x^...^x 100,000 deep: an adjoint that
/// is a long product is not multiplied out again at every level, and contributions that meet
/// are summed in nested form over their common factors). The exceptions are answers that are
/// themselves large, since the IR keeps products flat: for products of k factors that depend
/// on the variables each cofactor is a flat product of k - 1 factors, and so is the partial by
/// each of k variables used one per level of a chain. Throws symdiff::Error if e is a list or
/// a var is not a symbol.
std::vector<Expr> gradient(Expr e, std::span<const Expr> vars);

/// The Jacobian of a list [f1, ..., fm] (or of a scalar, as one row): J[i][j] = dfi/dvars[j],
/// one reverse sweep per row.
std::vector<std::vector<Expr>> jacobian(Expr e, std::span<const Expr> vars);

/// The Hessian of a scalar e: H[i][j] = d2e/(dvars[i] dvars[j]), by reverse mode over each
/// gradient entry. It is exactly symmetric: H[j][i] is the same node as H[i][j].
std::vector<std::vector<Expr>> hessian(Expr e, std::span<const Expr> vars);

/// The derivative of e by a vector variable x (a symbol e uses as x[i]): the Vec
/// [∂e/∂x[k] for k = 1..len(x)] in gather form (docs/reductions.md). diff(e, x) and gradient()
/// return this for a vector variable. The element is a sum of guarded terms: for each sum
/// S = sum(i = lo..hi, body) over x (with its adjoint a_S, the derivative of e by S's value,
/// by reverse mode over the part of e outside the sums) and each x[i + c] its body reads,
/// guard(k, lo + c, hi + c, a_S*(d body/d x[i + c]) at i = k - c); for an element x[j] read at
/// a fixed j (inside a reduction or outside), guard(k, j, j, ...). Terms of equal range are
/// merged. Extended Rosenbrock gives exactly two terms, k in 1..n-1 and k in 2..n. The index
/// is a fresh symbol: k, or k1, k2, ... if e uses k. Throws symdiff::Error if x is not a
/// symbol, if e is not scalar, uses x bare (not as x[...]), reads x[m] inside a sum over i with
/// m not of the form i + c, or nests a reduction over x in another.
Expr vector_gradient(Expr e, Expr x);

/// The symmetric band of the Hessian of a scalar e by a vector variable x: diagonals[d] is
/// the Vec [∂²e/∂x[k]∂x[k+d] for k = 1..len(x)-d], for d = 0 .. bandwidth (extended
/// Rosenbrock: d = 0, 1, so 3n - 2 entries with the symmetric lower band). Each diagonal is
/// the gradient element's terms differentiated by their x[k + d], guarded as in the
/// gradient, terms of equal range merged; a diagonal with no entry is a Vec of 0. Throws
/// symdiff::Error if the Hessian is not banded, naming the cause: an element that contains a
/// reduction over x (ln(sum(i = 1..n, x[i]^2)) couples every pair: "dense"), or one that
/// reads some x[m] at no fixed offset from x[k] (sum(i = 1..n, x[i]*x[1]): a full column).
struct BandedHessian {
    Expr vector;
    std::vector<Expr> diagonals;
};
BandedHessian banded_hessian(Expr e, Expr x);

/// The directional derivative along `direction` (one component per var, not all zero),
/// normalised to a unit vector as the tutorials do: grad(e) . d / |d|. The norm stays exact
/// where it can (the direction (1, 1) gives a factor 2^(-1/2)). Throws symdiff::Error if the
/// sizes differ or the direction is zero.
Expr directional_derivative(Expr e, std::span<const Expr> vars, std::span<const Expr> direction);

} // namespace symdiff
