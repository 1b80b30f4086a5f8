/// \file Numeric constants of the expression language: exact rationals where possible, doubles otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace symdiff {

/// A constant in an expression.
///
/// A Number is either an exact rational p/q (q > 0, gcd(p, q) = 1, |p| and q at most 2^53 so
/// that p/q converts to the correctly rounded double), or an inexact double. Integer and
/// decimal literals that fit (`3`, `2.5`, `1e-3`) are exact, so `0.5*y^2` differentiates to
/// `y` and `x/3` prints as `x/3`. Arithmetic on exact operands stays exact while the result
/// fits and falls back to double otherwise; any double operand makes the result a double.
///
/// Canonical form: a double whose shortest decimal representation is an exact rational in
/// range *is* that rational (Number::from_double(0.5) is 0.5, the rational 1/2 spelt as a
/// decimal), so the printed form of every Number reads back to the same Number. The
/// consequence: `-0.0` is `0`.
///
/// Spelling: an exact non-integer also remembers whether it is a decimal (typed as `0.5`, or
/// from a double) or a fraction (`1/2`, made by exact arithmetic such as x/2). It prints as it
/// is spelt, so `0.5*x` stays `0.5*x` and `x/2` stays `x/2`. Arithmetic with a decimal operand
/// gives a decimal (0.5*3 is 1.5) when the result has a decimal of at most 15 significant
/// digits (which reads back exactly), and a fraction otherwise (0.5/3 is 1/6); integers have
/// no spelling. The spelling is part of a Number's identity (0.5 and 1/2 are different nodes,
/// of equal value: same_value), but not of its hash or of its place in the numeric order
/// beyond breaking a tie.
class Number {
public:
    /// 0.
    constexpr Number() = default;

    /// The integer n. Integers beyond 2^53 become (correctly rounded) doubles.
    static Number integer(std::int64_t n);
    /// p/q reduced; q == 0 gives the IEEE double p/0.0 (inf, -inf or nan).
    static Number rational(std::int64_t p, std::int64_t q);
    /// p/q reduced and spelt as a decimal where it has one (see the class comment): what the
    /// literal `2.5` is, Number::decimal(5, 2).
    static Number decimal(std::int64_t p, std::int64_t q);
    /// The canonical Number for a double (see the class comment).
    static Number from_double(double v);
    /// The value of a decimal literal such as "2.5", ".5", "1e-3" or "12": exact when it is a
    /// rational in range, however it is spelt ("0.50000000000000000000000000000000" is 1/2),
    /// else from_double() of the correctly rounded double, so that every spelling of one value
    /// gives the same Number. Returns nullopt if the text is not a literal.
    static std::optional<Number> from_decimal(std::string_view text);

    bool is_exact() const { return exact_; }
    /// An exact non-integer spelt as a decimal (see the class comment).
    bool is_decimal() const { return decimal_; }
    /// The same Number spelt as a fraction (a decimal loses its spelling; others unchanged).
    Number as_fraction() const;
    /// The same Number spelt as a decimal where it has one.
    Number as_decimal() const;
    /// Equal values: == without the spelling (0.5 and 1/2 are the same value).
    bool same_value(const Number& o) const;
    /// Numerator and denominator; meaningful only when is_exact().
    std::int64_t num() const { return num_; }
    std::int64_t den() const { return den_; }
    /// The value as the correctly rounded double.
    double value() const { return value_; }

    bool is_zero() const { return exact_ && num_ == 0; }
    bool is_one() const { return exact_ && num_ == 1 && den_ == 1; }
    bool is_minus_one() const { return exact_ && num_ == -1 && den_ == 1; }
    bool is_integer() const { return exact_ && den_ == 1; }
    bool is_negative() const { return value_ < 0; }
    bool is_finite() const;

    Number operator-() const;
    friend Number operator+(const Number& a, const Number& b);
    friend Number operator-(const Number& a, const Number& b) { return a + (-b); }
    friend Number operator*(const Number& a, const Number& b);
    friend Number operator/(const Number& a, const Number& b);

    /// a^b when the result is a Number: exact for an exact base and integer exponent (if it
    /// fits), exact for exact roots of positive exact bases (4^(1/2) = 2), the double pow()
    /// when either operand is a double. nullopt when the exact result is irrational (2^(1/2))
    /// or the base is negative with a non-integer exponent: the expression stays symbolic.
    static std::optional<Number> pow(const Number& base, const Number& exponent);

    /// Identity: exact numbers compare as rationals with their spelling, doubles by bit pattern
    /// (so nan == nan).
    friend bool operator==(const Number& a, const Number& b);
    /// Numeric order by value (exact ties broken so that the order is total and deterministic).
    friend bool less(const Number& a, const Number& b);

    /// A hash that depends only on the value (stable across runs and platforms).
    std::uint64_t hash() const;

    /// The shortest text that reads back to this Number through from_decimal() or p/q:
    /// "3", "-2", "0.5", "1/3", "1/2", "1e+300", "inf", "nan". Integers, decimals and doubles
    /// print in decimal; rationals spelt as fractions as "p/q".
    std::string to_string() const;
    /// True if to_string() prints a single token (no '/').
    bool prints_as_decimal() const;

private:
    static std::optional<Number> pow_exact(const Number& base, const Number& exponent);

    std::int64_t num_ = 0;
    std::int64_t den_ = 1;
    double value_ = 0.0;
    bool exact_ = true;
    bool decimal_ = false;
};

/// Shortest decimal text that reads back to exactly v, laid out as Python's repr lays it out:
/// plain digits from 1e-4 up to 1e16 ("500000", "0.0001"), the exponent form outside ("1e+16",
/// "1e-05", "1e+300").
std::string shortest_double(double v);

} // namespace symdiff
