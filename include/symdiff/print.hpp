/// \file Printing expressions: text that parses back to the same node, unicode, LaTeX, C, JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "symdiff/expr.hpp"

namespace symdiff {

/// Output formats. Text, Unicode, LaTeX and C re-sugar the canonical forms (a + (-1)*b as
/// `a - b`, a*b^-1 as `a/b`, x^(1/2) as `sqrt(x)`, exp(1) as `e`) and choose a display order
/// of their own: in a sum, monomials by descending degree (ties in lexicographic order of the
/// variables), then other terms smaller first, the constant last, and a leading subtracted
/// term swapped with the first added one (`x^2 - 3*x + 2`, `1 - x`, `y - x^2`,
/// `-2*(1 - x) - 400*x*(y - x^2)`); in a product, the coefficient, constants, variables and
/// their powers by name, then the rest (`2*x^2*y*sin(x)`). A coefficient p/q spelt as a fraction
/// (number.hpp) is split across the division (`2*x/3`, `x/2`); a decimal the user typed stays
/// (`0.5*x`), and in C every coefficient is one double literal.
///
/// Vectors and reductions (grammars/README.md, "Vectors, sums and data") print in Text as the
/// parser reads them: `x[i + 1]`, `len(x)`, `sum(i = 1..n - 1, body)`, `sum(body)`,
/// `mean(body)`; the two that only derivatives make print for reading: a Guard as
/// `(body if lo <= k <= hi)` and a Vec as `[body for k = lo..hi]`. In the body of a data
/// reduction a product puts its sum factors first: `2*mean((m*x + b - y)*x)`.
enum class Format {
    /// `x^2 - 3*x + 2`: what a person writes; parse(to_string(e)) is the same node for every
    /// e (inf, -inf and nan print as `inf`, `-inf`, `nan`; the nan with the sign bit set,
    /// which 0*inf makes, as `0*inf`; nans with other payloads read back as `nan`), except
    /// Guard and Vec, and sums whose bounds or indices the parser would refuse (`x[0]`).
    Text,
    /// `x² − 3·x + 2`, `√x`, `π`: parses back to the same node as Text does. Reductions keep
    /// their names (`sum(i = 1..n − 1, x[i]²)`, `mean(…)`) so that they parse back too; a
    /// Guard is `(body if lo ≤ k ≤ hi)`.
    Unicode,
    /// `x^{2} - 3 x + 2`, `\frac{2 x}{3}`, `\sqrt{x}`, `\sin\left(x\right)`, `e^{x}`;
    /// `x_{i+1}`, `\sum_{i=1}^{n-1} \left(…\right)`, `\sum \left(…\right)` over the rows,
    /// `\operatorname{mean}\left(…\right)`, `\operatorname{len}\left(x\right)`, a Guard as
    /// `\left[lo \le k \le hi\right] \left(…\right)` and a Vec as `\left[…\right]_{k=lo}^{hi}`.
    Latex,
    /// A C99 expression over doubles using <math.h> only: pow, sqrt, fabs, log, ...; sigmoid,
    /// relu, heaviside, sign, softplus, max and min as ternaries or formulas (which repeat
    /// their argument); numbers as double literals with full precision, INFINITY and NAN.
    /// For reading and pasting: it is not the bit-exact order of lib/eval/semantics.hpp.
    /// A vector or reduction is not an expression of C: to_string throws symdiff::Error
    /// ("C output of sums and vectors is not supported; use `symdiff compile --emit c`").
    C,
    /// The stored (canonical) DAG as a JSON tree, one line, no re-sugaring:
    ///   node   := number | symbol | pi | apply
    ///   number := {"num": "<exact text: 3, -1/3, 0.5, 1e+300, inf, nan>",
    ///              "value": <the double, or null when not finite>}
    ///   symbol := {"sym": "<name, UTF-8>"}
    ///   pi     := {"const": "pi", "value": 3.141592653589793}
    ///   apply  := {"op": "<op name of ops.def: add mul pow list exp ln sin ... max min
    ///                      len rowsum rowmean>",
    ///              "args": [node, ...]}            (args in canonical order)
    ///            | {"op": "at", "vector": symbol, "index": node}
    ///            | {"op": "sum" | "guard" | "vec", "index": symbol, "lo": node, "hi": node,
    ///               "body": node}
    /// a - b is {"op":"add","args":[a, {"op":"mul","args":[{"num":"-1",...}, b]}]}, a/b uses
    /// {"op":"pow","args":[b, {"num":"-1",...}]}, and e is {"op":"exp","args":[{"num":"1",...}]}.
    Json,
};

/// The format named "text", "unicode", "latex", "c" or "json".
std::optional<Format> format_from_name(std::string_view name);
std::string_view format_name(Format f);

/// Prints e. Throws symdiff::Error("expression too deep to print") if e is nested too deeply
/// (height above 100,000); below that the printers use no native recursion. A DAG prints as
/// a tree: shared subexpressions are printed at each use, and a tree of more than 2^25 nodes
/// or a text beyond 256 MiB throws symdiff::Error("expression too large to print").
std::string to_string(Expr e, Format format = Format::Text);

/// A fully parenthesised s-expression with every node as stored, for debugging and tests:
/// (add 2 (mul -3 x) (pow x 2)). Numbers print as Number::to_string(), pi as `pi`.
/// Throws like to_string() above height 100,000.
std::string to_sexpr(Expr e);

} // namespace symdiff
