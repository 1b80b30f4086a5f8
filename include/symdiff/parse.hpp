/// \file Parsing the expression language (grammars/README.md is the reference) into an Expr.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/expr.hpp"

namespace symdiff {

/// A name defined outside the text being parsed, such as the REPL's `f(x, y) = …` or `a = 3`.
struct UserFunction {
    std::vector<Expr> params; ///< distinct symbols; none for a named value
    Expr body;                ///< an expression of the parsing Context (a list is allowed)
};

/// Limits and declarations for one parse.
struct ParseOptions {
    /// Declared variable names: each is one variable. A name of two or more letters (no
    /// digit, no `_`) that is not declared, a function, a constant, a definition or the name
    /// of a Greek letter is the product of its letters (`xy` -> x*y, `ye` -> y*e), with a
    /// Note in Parsed::notes: see "Juxtaposed letters" in grammars/README.md. Callers declare
    /// the names their user gave otherwise (values, parameters, data columns).
    std::vector<std::string> variables;
    /// Inputs longer than this many bytes are rejected with a diagnostic.
    std::size_t max_bytes = std::size_t{16} << 20;
    /// Brackets and function calls nested deeper than this are rejected with a diagnostic
    /// (the parser is recursive; this keeps it far from the end of the stack).
    std::size_t max_depth = 200;
    /// Definitions by name. A call `f(a, b)` lowers to the body with each parameter replaced
    /// by its argument (all at once), and a wrong number of arguments is an error at the name,
    /// as for a built-in; a bare `f` lowers to the body itself. A definition without
    /// parameters is a named value: `a(x + 1)` is then a·(x + 1), as for a variable. Bodies
    /// are already lowered, so expansion never recurses (the caller keeps a name out of the
    /// table while reading its own definition). Built-in function and constant names keep
    /// their meaning: a definition of one is ignored. The free variables a body brings in
    /// join Parsed::variables where it is used, its parameters first.
    std::unordered_map<std::string, UserFunction> functions;
};

/// A reading that could have gone the other way: a name read as the product of its letters
/// (`xy`), or a function's name with its argument run on (`sinx`), kept as one variable.
/// Front ends show it (the CLI on standard error, the REPL after the result), adding for a
/// product their way of declaring `name` as one variable.
struct Note {
    Diagnostic diagnostic; ///< "'xy' is read as the product x*y", at the first use of the name
    std::string name;      ///< "xy": what to declare for the other reading
    std::string reading;   ///< "x*y"; the name itself when it is kept whole (`sinx`)
    bool is_product() const { return reading != name; }
};

/// The result of parsing: the expression and its free variables in natural order (the CLI's
/// default variable order).
///
/// Natural order: names that differ only in a trailing number (x1, x2, ..., x10) come together,
/// in numeric order, at the place of the first of them in the text; every other name keeps its
/// place of first appearance. `100*(x2 - x1^2)^2 + (1 - x1)^2` is a function of x1, x2;
/// `w*x + b` of w, x, b; `y2 + a + y1 + x10` of y1, y2, a, x10.
struct Parsed {
    Expr expr;
    /// Every free symbol, in natural order: vector names, sizes such as n, and bare names
    /// inside sum(body) and mean(body) (possibly data columns). The bound index of
    /// sum(i = lo..hi, body) is not a variable.
    std::vector<Expr> variables;
    /// The names used as vectors, x in `x[k]` or `len(x)`, in natural order (a subset of
    /// variables).
    std::vector<Expr> vectors;
    /// Names read as products of their letters, once each, in order of first appearance.
    std::vector<Note> notes;
};

/// Parses `text` into `ctx`. Throws symdiff::Error with a positioned Diagnostic on a syntax
/// error, an unknown function, a wrong number of arguments, a misuse of vectors, indices or
/// reductions ("Vectors, sums and data" in grammars/README.md), invalid UTF-8, a NUL byte, or
/// an input beyond the limits in `options`. Never aborts, whatever the input.
Parsed parse(Context& ctx, std::string_view text, const ParseOptions& options = {});

/// Convenience: parse(ctx, text, options).expr.
Expr parse_expr(Context& ctx, std::string_view text, const ParseOptions& options = {});

/// The free symbols of e in natural order (see Parsed), by first appearance in the text that
/// prints e (to_string): the default variables of an expression built without text (the
/// Python module's operators), by the one rule parse() gives Parsed::variables to its text.
/// Beyond 100,000 nodes, the order free_symbols() meets them in stands in for the text's.
std::vector<Expr> natural_variables(Expr e);

} // namespace symdiff
