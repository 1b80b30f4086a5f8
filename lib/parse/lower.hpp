// Lowering: the syntax tree of one input to an Expr (names, functions, arity, constants).
#pragma once

#include <string_view>

#include "ast.hpp"
#include "symdiff/parse.hpp"

namespace symdiff::detail {

/// Lowers `tree`, parsed from `input`, into `ctx`. Throws symdiff::Error positioned at the
/// offending token for an unknown function, a wrong number of arguments, a function name
/// without arguments, a misplaced list or a number beyond the double range.
Parsed lower(Context& ctx, std::string_view input, const ast::Expression& tree, const ParseOptions& options);

} // namespace symdiff::detail
