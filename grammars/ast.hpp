/// \file The syntax tree of the expression language, as the grammar (expr_def.hpp) builds it.
///
/// Positions: every token keeps the slice of the input it was read from (`text`), so its byte
/// offset is `text.data() - input.data()`. Lowering reports every semantic error (unknown
/// function, arity, number range) at a token, so tokens are the only nodes that need one and
/// no side table of positions is kept.
///
/// Chains that users can make arbitrarily long (`x^x^…`, `- - - x`, `a*b*…`, `a+b+…`) are
/// lists here and are folded iteratively by lowering; only brackets and calls nest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/optional.hpp>
#include <boost/spirit/home/x3/support/ast/variant.hpp>

#include "charset.hpp"

namespace symdiff::ast {

namespace x3 = boost::spirit::x3;

/// A numeric literal as written: `3`, `2.5`, `.5`, `1e-3`.
struct Number {
    std::string_view text;
};

/// A name: a variable, a constant (`pi`, `π`, `e`, `inf`, `nan`) or a function name.
struct Name {
    std::string_view text;
};

/// A superscript exponent such as `²`, `⁻¹`, `¹⁰` or `ˣ`. Only the slice is kept (every
/// operand has room for one, and most have none); `value()` reads it in ASCII.
struct Superscript {
    std::string_view text;
    /// "2", "-1", "10", "x": the ASCII reading of `text`, which the grammar has checked.
    std::string value() const {
        std::string v;
        for (std::size_t i = 0; i < text.size();) {
            charset::CodePoint cp = charset::decode(text, i);
            v += charset::superscript_value(cp.value);
            i += cp.length;
        }
        return v;
    }
};

/// A run of unary signs (`-`, `+`, `−`, blanks between them): how many, and how many of them
/// are minus. Only the parity of `minus` matters, but the count tells "no signs" apart.
struct Signs {
    std::uint32_t count = 0;
    std::uint32_t minus = 0;
    bool empty() const { return count == 0; }
};

/// A run of radical signs `√√`; `count` of them apply to the operand that follows.
struct Radicals {
    std::string_view text;
    unsigned count = 0;
};

/// A fixed token kept for its position: a bracket, `=` or `..`.
struct Punct {
    std::string_view text;
};

struct Expression;
struct Call;
struct Indexed;
struct List;
struct Root;

/// An operand of an operator: a literal, a name, a call, `x[k]`, `( expression )`, `[ list ]`
/// or `√ …`.
struct Primary : x3::variant<Number, Name, x3::forward_ast<Call>, x3::forward_ast<Indexed>, x3::forward_ast<Expression>,
                             x3::forward_ast<List>, x3::forward_ast<Root>> {
    using base_type::base_type;
    using base_type::operator=;
};

/// primary [superscript]
struct Postfix {
    Primary primary;
    boost::optional<Superscript> sup;
};

/// radicals postfix: `√x²` is the square root of x².
struct Root {
    Radicals radicals;
    Postfix operand;
};

/// One `^ signs operand` of a power chain; `signs` holds '+' and '-' (`x^-2`).
struct PowTail {
    Signs signs;
    Postfix operand;
};

/// base (^ tail)*: right-associative, folded from the right.
struct Power {
    Postfix base;
    std::vector<PowTail> tail;
};

/// Unary signs applied to a power: `-x^2` is -(x^2).
struct Signed {
    Signs signs;
    Power power;
};

/// One `* operand`, `/ operand`, or an implicit product (op ' ').
struct MulTail {
    char op = '*';
    Signed operand;
};

struct Term {
    Signed first;
    std::vector<MulTail> rest;
};

/// One `+ term` or `- term`.
struct AddTail {
    char op = '+';
    Term operand;
};

struct Expression {
    Term first;
    std::vector<AddTail> rest;
};

/// `= lo..hi` after the index of `sum(i = lo..hi, body)`. The bounds are behind pointers so
/// that the optional range of every call argument costs 64 bytes, not 400 (the arguments of
/// the 1 MiB parse bench took 21 MB).
struct Range {
    Punct eq;
    x3::forward_ast<Expression> lo;
    Punct dots;
    x3::forward_ast<Expression> hi;
};

/// One argument of a call. Any argument may carry a range so that a misplaced one
/// (`sin(x = 1..2)`, `sum(x, i = 1..n)`) is reported by lowering, at the name that takes it.
struct Argument {
    Expression value;
    boost::optional<Range> range;
};

/// name [superscript] ( args ): a function call, or an implicit product when `name` is a
/// variable (`x(x+1)`); lowering decides.
struct Call {
    Name name;
    boost::optional<Superscript> sup;
    Punct open;
    std::vector<Argument> args;
    Punct close;
};

/// name [ index ]: element `index` of the vector `name`.
struct Indexed {
    Name name;
    Punct open;
    Expression index;
    Punct close;
};

/// `[e1, e2, …]`.
struct List {
    Punct open;
    std::vector<Expression> items;
};

} // namespace symdiff::ast
