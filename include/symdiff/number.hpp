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
/// range *is* that rational (Number::from_double(0.5) is 1/2), so the printed form of every
/// Number reads back to the same Number. The consequence: `-0.0` is `0`.
class Number {
public:
    /// 0.
    constexpr Number() = default;

    /// The integer n. Integers beyond 2^53 become (correctly rounded) doubles.
    static Number integer(std::int64_t n);
    /// p/q reduced; q == 0 gives the IEEE double p/0.0 (inf, -inf or nan).
    static Number rational(std::int64_t p, std::int64_t q);
    /// The canonical Number for a double (see the class comment).
    static Number from_double(double v);
    /// The value of a decimal literal such as "2.5", ".5", "1e-3" or "12": exact when it is a
    /// rational in range, however it is spelt ("0.50000000000000000000000000000000" is 1/2),
    /// else from_double() of the correctly rounded double, so that every spelling of one value
    /// gives the same Number. Returns nullopt if the text is not a literal.
    static std::optional<Number> from_decimal(std::string_view text);

    bool is_exact() const { return exact_; }
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

    /// Identity: exact numbers compare as rationals, doubles by bit pattern (so nan == nan).
    friend bool operator==(const Number& a, const Number& b);
    /// Numeric order by value (exact ties broken so that the order is total and deterministic).
    friend bool less(const Number& a, const Number& b);

    /// A hash that depends only on the value (stable across runs and platforms).
    std::uint64_t hash() const;

    /// The shortest text that reads back to this Number through from_decimal() or p/q:
    /// "3", "-2", "0.5", "1/3", "1e+300", "inf", "nan". Integers and decimals print in decimal;
    /// other rationals as "p/q".
    std::string to_string() const;
    /// True if to_string() prints a single token (no '/').
    bool prints_as_decimal() const;

private:
    std::int64_t num_ = 0;
    std::int64_t den_ = 1;
    double value_ = 0.0;
    bool exact_ = true;
};

/// Shortest decimal text that reads back to exactly v, laid out as Python's repr lays it out:
/// plain digits from 1e-4 up to 1e16 ("500000", "0.0001"), the exponent form outside ("1e+16",
/// "1e-05", "1e+300").
std::string shortest_double(double v);

} // namespace symdiff
