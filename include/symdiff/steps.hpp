/// \file Step-by-step derivations: the rules diff applies, one named step at a time.
///
/// A derivation starts from d/dx[f] and, at each step, expands one pending derivative
/// d/dx[u] by the rule for u's outermost operation (sum rule, constant multiple rule, product
/// rule, quotient rule, power rule, chain rule with the inner function named, a function's own
/// rule, ...), using the very table of local derivatives that diff() uses (local_partial in
/// diff.hpp). Pending derivatives appear in the intermediate results as d/dx[u]. When none is
/// left, a last step "simplify" (only if needed) turns the expression into exactly
/// simplify(diff(f, x)), so the steps can never disagree with diff.
///
/// A sum, mean, guard or Vec is one step ("the derivative of a sum is the sum of the
/// derivatives"): a pending derivative of its body would have the bound index free and could
/// not stand inside it. x[k] and len(x) are constants by a scalar (their indices are
/// integers), and the derivative by a vector variable is one step giving diff's gather form.
#pragma once

#include <string>
#include <vector>

#include "symdiff/expr.hpp"
#include "symdiff/print.hpp"

namespace symdiff {

/// One step of a derivation.
struct DerivationStep {
    std::string rule;   ///< "chain rule", "power rule", "product rule", ..., "simplify"
    Expr target;        ///< u of the d/dx[u] expanded here (null for the final simplify step)
    Expr expansion;     ///< what d/dx[u] became (may hold pending derivatives)
    Expr result;        ///< the whole derivative after this step (may hold pending derivatives)
    /// For the chain rule: the outer function written in `inner_name` (u^2), its derivative
    /// (2*u), and the inner function (3*x + 1). Null otherwise.
    Expr outer, outer_derivative, inner;
    /// For the sum rule: the terms that do not depend on the variable (their derivative is 0
    /// and they drop out), so the step can say so.
    std::vector<Expr> constant_terms;
};

/// A complete derivation of d/d(var) of function.
struct Derivation {
    Expr function;
    Expr var;
    std::vector<DerivationStep> steps;
    /// simplify(diff(function, var)): the result of the last step.
    Expr result;
    /// The stand-in variable naming the inner function of the chain rule ("u", or another
    /// letter if the function uses u).
    Expr inner_name;
    /// Pending derivatives are symbols of the Context standing for d/d(var)[target]: the
    /// pairs (symbol, target), used to render them.
    std::vector<std::pair<Expr, Expr>> pending;
};

/// The step-by-step derivation of d/dx e. Throws symdiff::Error as diff() does.
Derivation derive_steps(Expr e, Expr x);

/// The derivation as text, unicode or LaTeX (other formats print as text): the question on
/// the first line, then for each step a line naming the rule with the local equation and a
/// line with the whole result so far.
std::string render_steps(const Derivation& d, Format format = Format::Text);

/// An expression of a derivation (which may hold pending derivatives) in the given format.
std::string render_step_expr(const Derivation& d, Expr e, Format format = Format::Text);

} // namespace symdiff
