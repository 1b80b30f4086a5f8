// The rule table of simplify(), seen from the driver.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pattern.hpp"
#include "symdiff/simplify.hpp"

namespace symdiff::detail {

std::size_t rule_count();
const RuleInfo& rule_info(std::size_t i);
/// How much cheaper the rewrite must make the expression for the rule to fire.
std::uint64_t rule_min_saving(std::size_t i);
/// Rule i applied once at the root of e, or a null Expr if it does not match.
Expr try_rule(std::size_t i, Expr e);

} // namespace symdiff::detail
