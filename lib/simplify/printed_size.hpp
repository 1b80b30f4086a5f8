// How long an expression prints, estimated from its structure (lib/simplify/printed_size.cpp):
// the measure the rewrites of rational.cpp and roots.cpp compare forms by.
#pragma once

#include <cstddef>

#include "symdiff/expr.hpp"

namespace symdiff::detail {

// About the tokens of the printed form, counted as bench/forms/measure.py counts them (a
// number, a name, or one operator or bracket), from the structure alone: printing itself walks
// the whole context, too slow for every node of a large gradient. `budget` bounds the walk.
std::size_t tokens(Expr e, std::size_t& budget);

/// tokens() within a budget of 400 nodes; the largest size_t past it.
std::size_t printed_tokens(Expr e);

/// Whether e printed as a tree has at most `budget` nodes; stops counting past it, so printing
/// a shared DAG, exponential as a tree, is never tried.
bool small_tree(Expr e, std::size_t& budget);

} // namespace symdiff::detail
