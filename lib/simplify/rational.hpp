// Rational functions and exact constants for reading (lib/simplify/rational.cpp, roots.cpp).
#pragma once

#include "symdiff/expr.hpp"

namespace symdiff::detail {

/// A sum with quotients among its terms over one common denominator, the polynomial factors
/// the numerator shares with the denominator cancelled: 2/(x - 1) - (2*x + 1)/(x - 1)^2 ->
/// -3/(x - 1)^2. A null Expr when e is not such a sum, or the numerator is not a polynomial
/// with exact coefficients in its symbols and other subexpressions, or it is too large to
/// expand (the bounds keep the work per node small).
Expr combine_fractions(Expr e);

/// A sum or product of polynomial terms (in its symbols and other subexpressions, exact
/// coefficients) multiplied out, or multiplied out with the monomial all terms share in front,
/// whichever prints in fewer tokens, when that is fewer than e's and multiplying out gives
/// no more terms than e has: exp(-x) - (x + 1)*exp(-x) -> -x*exp(-x),
/// 2*x*exp(-x) - x^2*exp(-x) -> x*exp(-x)*(2 - x); 6*(3*x + 2) stays. A null Expr otherwise.
Expr polynomial_form(Expr e);

/// polynomial_form for sums only, as a rule: a product inside a sum is multiplied out with
/// the sum, once.
Expr polynomial_form_of_sum(Expr e);

/// A fraction times a sum it divides, multiplied in: (2*x - 4)/2 -> x - 2. A null Expr
/// otherwise.
Expr fraction_into_sum(Expr e);

/// A product with a sum of fractions among its factors, that sum combined first where the
/// product then prints in fewer tokens: -1/(x^2*(1/x^2 + 1)) -> -1/(x^2 + 1),
/// 1/(2*sqrt(1 - x^2/4)) -> 1/sqrt(4 - x^2). A null Expr otherwise.
Expr nested_fraction(Expr e);

/// A sum whose terms share a base raised to half-integer powers, over that base to its lowest
/// power: 1/sqrt(x^2 + 1) - x^2/(x^2 + 1)^(3/2) -> 1/(x^2 + 1)^(3/2),
/// sqrt(x)*exp(x) + exp(x)/(2*sqrt(x)) -> exp(x)*(x + 1/2)/sqrt(x), where that prints in fewer
/// tokens. A null Expr otherwise.
Expr roots_over_denominator(Expr e);

/// Exact constants with their roots taken out and denominators rational: 6/sqrt(2) ->
/// 3*sqrt(2), sqrt(8) -> 2*sqrt(2), 2^(3/2) -> 2*sqrt(2), 1/sqrt(2) -> sqrt(2)/2. Applied
/// bottom-up to every node; e itself when nothing changes.
Expr normalize_roots(Expr e);

} // namespace symdiff::detail
