/// \file Simplification for people: the rewrites that make derivatives read as a textbook's.
///
/// The Context's constructors already canonicalise cheaply (expr.hpp). simplify() adds the
/// costlier rewrites, each a named rule kept in one table (lib/simplify/rules.cpp), applied
/// bottom-up to a fixpoint: a rule fires only where it makes the expression strictly cheaper
/// (a weighted count of the nodes of its printed tree), and the driver stops after a fixed
/// number of rounds, so it always terminates.
///
/// Every rule preserves the value of the expression wherever the expression is defined
/// (finite, not nan), like the constructors; a rule that would need a side condition (such as
/// a nonzero denominator) has a guard and does not fire when the guard cannot be shown.
///
/// Reductions (sum, mean, guard, Vec) are simplified inside their bodies like any other
/// node. No rule takes a subexpression out of a sum: a rule at a node outside a reduction
/// treats the reduction as a whole, so an index never leaves the sum that binds it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff {

/// The simplified form of e. Returns e itself (the same node) when no rule applies.
Expr simplify(Expr e);

/// The exact value of e where each symbol values[j].first is the constant expression
/// values[j].second, for printing beside its double: 3*sqrt(2) for the directional derivative
/// (2*x + 2*y)/sqrt(2) at x = 1, y = 2, 1/3 for x/3 at x = 1. Only algebraic values made of
/// exact rationals, pi, sums, products and powers with constant exponents count (the roots
/// of constants taken out: 6/sqrt(2) is 3*sqrt(2)); a value that is a plain integer or
/// decimal (which its double shows already), a double, or anything else (sin(1)) gives a null
/// Expr, and so does an expression of more than `max_nodes` DAG nodes (simplifying a large
/// expression is not worth one printed line).
Expr exact_value(Expr e, std::span<const std::pair<Expr, Expr>> values, std::size_t max_nodes = 2000);

/// One rule of the table, for documentation and tests: its name, and the rewrite written as
/// s-expression patterns with ?a wildcards ("(add (pow (sin ?a) 2) (pow (cos ?a) 2))" => "1"),
/// or a description for the few rules written as code.
struct RuleInfo {
    std::string_view name;
    std::string_view lhs;
    std::string_view rhs;
    std::string_view guard; ///< "" when the rule holds unconditionally
};

/// Every rule simplify() uses, in the order it tries them.
std::span<const RuleInfo> simplify_rules();

/// Applies the rule named `name` once at the root of e (after simplifying nothing else), or
/// returns a null Expr if it does not match. For testing each rule on its own.
Expr apply_rule(std::string_view name, Expr e);

/// The cost simplify() minimises: the size of e's printed tree (shared subexpressions counted
/// once per occurrence; a negative constant counts 2 for its minus sign), saturating instead
/// of overflowing.
std::uint64_t simplify_cost(Expr e);

// substitute(), which replaces subexpressions, is declared in expr.hpp.

} // namespace symdiff
