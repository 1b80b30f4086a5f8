/// \file Parsing the expression language (grammars/README.md is the reference) into an Expr.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff {

/// Limits and declarations for one parse.
struct ParseOptions {
    /// Declared variable names. A name that is not a function, a constant or declared, and
    /// that splits into declared one-letter variables, is their product (`xy` -> x*y): see
    /// "Juxtaposed letters" in grammars/README.md. One-letter names that stand alone elsewhere
    /// in the same input count as declared too.
    std::vector<std::string> variables;
    /// Inputs longer than this many bytes are rejected with a diagnostic.
    std::size_t max_bytes = std::size_t{16} << 20;
    /// Brackets and function calls nested deeper than this are rejected with a diagnostic
    /// (the parser is recursive; this keeps it far from the end of the stack).
    std::size_t max_depth = 200;
};

/// The result of parsing: the expression and its free variables in order of first appearance
/// in the text (the CLI's default variable order).
struct Parsed {
    Expr expr;
    std::vector<Expr> variables;
};

/// Parses `text` into `ctx`. Throws symdiff::Error with a positioned Diagnostic on a syntax
/// error, an unknown function, a wrong number of arguments, invalid UTF-8, a NUL byte, or an
/// input beyond the limits in `options`. Never aborts, whatever the input.
Parsed parse(Context& ctx, std::string_view text, const ParseOptions& options = {});

/// Convenience: parse(ctx, text, options).expr.
Expr parse_expr(Context& ctx, std::string_view text, const ParseOptions& options = {});

} // namespace symdiff
