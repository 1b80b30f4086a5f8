// The built-in names of the language (defined in lib/parse/names.cpp): the functions with how each
// lowers, the constants, and the natural order of variable names.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff::detail {

// How a function name lowers. Direct names one Op; the others are aliases written in terms
// of the Ops (ops.def has no log-base, sqrt, sec, ...).
enum class FnKind { Direct, Log, Log2, Log10, Sqrt, Pow, Sec, Csc, Cot, Fold, Sum, Mean, Len };

struct FnSpec {
    FnKind kind;
    Op op;
    std::size_t min_args;
    std::size_t max_args; // SIZE_MAX: any number
};

constexpr std::size_t kAny = std::numeric_limits<std::size_t>::max();

/// The built-in function of this name, or nullptr.
const FnSpec* find_function(std::string_view name);

/// The length of the longest function name, in bytes.
std::size_t longest_function_name();

/// The names a misspelt function may have meant, in alphabetical order (so that among names
/// equally near the suggestion does not depend on the hash table).
const std::vector<std::string_view>& function_names();

/// A call of a value function (not sum, mean or len, whose arguments are not values) on its
/// lowered arguments, its aliases written in terms of the Ops.
Expr apply_builtin(Context& ctx, const FnSpec& spec, std::span<const Expr> args);

enum class Constant { None, Pi, E, Inf, Nan };

Constant find_constant(std::string_view name);

/// The natural order of variables: names that differ only in a trailing number (x1, x2, ...,
/// x10) come together, in numeric order, at the place of the first of them in the text;
/// every other name keeps its place of first appearance.
void natural_order(std::vector<Expr>& names);

} // namespace symdiff::detail
