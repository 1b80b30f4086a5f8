// Rewrite patterns: s-expressions with ?a wildcards, read by a small recursive-descent reader,
// matched against expressions (n-ary add and mul match their operands in any order).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff::detail {

/// A parsed pattern.
///  ?a       matches any expression; every ?a of one pattern matches the same node
///  ?a..     only as an operand of add/mul: all the operands left over, as their sum/product
///  3, -1, 1/2, pi   a constant
///  (op p1 p2 ...)   a node of that op (add, mul, pow, or a function's name)
/// At the root of a rule, an add or mul pattern may match a subset of a node's operands; the
/// other operands are kept beside the rewritten ones (the implicit rest).
struct Pattern {
    enum class Kind { Wild, Rest, Const, Node } kind = Kind::Node;
    std::string name;         // Wild, Rest
    Number num;               // Const (pi is a Node of op Pi)
    Op op = Op::Num;          // Node
    std::vector<Pattern> kids;
};

/// Reads a pattern; throws symdiff::Error on malformed text (a bug in the rule table).
Pattern read_pattern(std::string_view text);

/// What a match bound: each wildcard of the pattern with the expression it stands for.
using Captures = std::vector<std::pair<std::string, Expr>>;

/// Matches p against e. At the root (`root` true) an add/mul pattern may leave operands of e
/// unmatched; they are returned in `rest`. Returns false if there is no match.
bool match_pattern(const Pattern& p, Expr e, Captures& b, std::vector<Expr>* rest);

/// Builds the expression of pattern p with the wildcards bound by b.
Expr instantiate(const Pattern& p, Context& ctx, const Captures& b);

} // namespace symdiff::detail
