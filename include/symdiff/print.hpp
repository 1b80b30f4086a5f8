/// \file Printing expressions: text that parses back to the same node, unicode, LaTeX, C, JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "symdiff/expr.hpp"

namespace symdiff {

enum class Format {
    Text,    ///< `x^2 - 3*x + 2`: what a person writes; parse(to_string(e)) == e
    Unicode, ///< `x² − 3·x + 2`
    Latex,   ///< `x^{2} - 3 x + 2`
    C,       ///< a C99 expression over doubles using <math.h>
    Json,    ///< a JSON tree {"op": ..., "args": [...]} (see README "JSON output")
};

/// The format named "text", "unicode", "latex", "c" or "json".
std::optional<Format> format_from_name(std::string_view name);
std::string_view format_name(Format f);

/// Prints e. Throws symdiff::Error if e is nested too deeply to print (height above 100,000).
std::string to_string(Expr e, Format format = Format::Text);

/// A fully parenthesised s-expression with every node as stored, for debugging and tests:
/// (add 2 (mul -3 x) (pow x 2)).
std::string to_sexpr(Expr e);

} // namespace symdiff
