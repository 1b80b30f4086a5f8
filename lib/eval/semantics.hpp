/// \file The numeric meaning of every op over IEEE doubles: the single definition that the
/// reference interpreter uses and that the JIT reproduces instruction for instruction.
///
/// The rules (no fast-math anywhere; every operation below is one correctly rounded IEEE
/// operation or one libm call, in exactly the order written):
///
///  - Num: Number::value(). Pi: std::numbers::pi (0x400921FB54442D18). Sym: the bound input.
///  - Add: the operands in stored (canonical) order, summed left to right:
///    ((a0 + a1) + a2) + ... . Mul: the same with *. No reassociation, no FMA contraction.
///  - Pow(x, k) where k is a Num that is an exact integer with 1 <= |k| <= 64: square-and-
///    multiply from the most significant bit of |k| down (see int_power below):
///        r = x; for each bit of |k| below the top one, from high to low:
///            r = r * r; if the bit is set: r = r * x
///    so x^2 = x*x, x^3 = (x*x)*x, x^4 = (x*x)*(x*x) [computed as r*r], x^5 = ((x*x)*(x*x))*x,
///    x^6 = ((x*x)*x)*((x*x)*x), x^7 = (((x*x)*x)*((x*x)*x))*x. For k < 0 the result is
///    1.0 / (x^|k|), one division of the positive power.
///  - Pow(x, 1/2) = std::sqrt(x); Pow(x, -1/2) = 1.0 / std::sqrt(x).
///  - Every other Pow(x, y) = std::pow(x, y), with y evaluated like any operand.
///  - exp ln sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh cbrt erf: the
///    std:: function of the same name (ln is std::log); abs is std::fabs; atan2(y, x) is
///    std::atan2(y, x) with the operands in stored order.
///  - sign(x) = x > 0 ? 1 : (x < 0 ? -1 : x): zeros keep their sign, nan stays nan.
///  - heaviside(x) = x > 0 ? 1 : 0 (nan gives 0). relu(x) = x > 0 ? x : 0 (nan gives 0).
///  - sigmoid(x) = x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); in the second branch
///    exp(x) is computed once and used twice. nan takes the second branch and gives nan.
///  - softplus(x) = (x > 0 ? x : 0) + log1p(exp(-fabs(x))).
///  - max(a, b) = isnan(a) ? a : (isnan(b) ? b : (a > b ? a : b));
///    min(a, b) = isnan(a) ? a : (isnan(b) ? b : (a < b ? a : b)).
///    A nan operand propagates; of two equal values (including -0 and +0) the second is kept.
///  - List has no value: evaluating one is an error reported by the caller.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "symdiff/expr.hpp"

namespace symdiff::detail {

/// Largest |k| for which Pow(x, k) is expanded into multiplications.
inline constexpr std::int64_t kMaxIntPower = 64;

/// x^k for 1 <= k <= 64 by the square-and-multiply order written in the file comment.
inline double int_power(double x, std::uint32_t k) {
    const int top = std::bit_width(k) - 1;
    double r = x;
    for (int bit = top - 1; bit >= 0; --bit) {
        r = r * r;
        if (k >> bit & 1u) r = r * x;
    }
    return r;
}

/// x^k for an integer 1 <= |k| <= 64: the negative case is one division of the positive power.
inline double signed_int_power(double x, std::int32_t k) {
    if (k < 0) return 1.0 / int_power(x, static_cast<std::uint32_t>(-k));
    return int_power(x, static_cast<std::uint32_t>(k));
}

/// How Pow(base, exponent) is evaluated, decided once from the exponent node.
struct PowPlan {
    enum Kind { General, Integer, Sqrt, InvSqrt } kind = General;
    std::int32_t k = 0; ///< the exponent for Integer
};

inline PowPlan plan_power(Expr exponent) {
    if (!exponent.is_number() || !exponent.number().is_exact()) return {};
    const Number& n = exponent.number();
    if (n.den() == 1 && n.num() != 0 && n.num() >= -kMaxIntPower && n.num() <= kMaxIntPower)
        return {PowPlan::Integer, static_cast<std::int32_t>(n.num())};
    if (n.den() == 2 && n.num() == 1) return {PowPlan::Sqrt, 0};
    if (n.den() == 2 && n.num() == -1) return {PowPlan::InvSqrt, 0};
    return {};
}

inline double apply_power(const PowPlan& plan, double base, double exponent) {
    switch (plan.kind) {
    case PowPlan::Integer: return signed_int_power(base, plan.k);
    case PowPlan::Sqrt: return std::sqrt(base);
    case PowPlan::InvSqrt: return 1.0 / std::sqrt(base);
    case PowPlan::General: break;
    }
    return std::pow(base, exponent);
}

inline double sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }
inline double heaviside(double x) { return x > 0 ? 1.0 : 0.0; }
inline double relu(double x) { return x > 0 ? x : 0.0; }

inline double sigmoid(double x) {
    if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
    double ex = std::exp(x);
    return ex / (1.0 + ex);
}

inline double softplus(double x) { return (x > 0 ? x : 0.0) + std::log1p(std::exp(-std::fabs(x))); }

inline double max(double a, double b) {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
    return a > b ? a : b;
}

inline double min(double a, double b) {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
    return a < b ? a : b;
}

/// The value of a one- or two-argument function op. `b` is ignored by unary ops.
inline double apply_function(Op op, double a, double b) {
    switch (op) {
    case Op::Exp: return std::exp(a);
    case Op::Log: return std::log(a);
    case Op::Sin: return std::sin(a);
    case Op::Cos: return std::cos(a);
    case Op::Tan: return std::tan(a);
    case Op::Asin: return std::asin(a);
    case Op::Acos: return std::acos(a);
    case Op::Atan: return std::atan(a);
    case Op::Atan2: return std::atan2(a, b);
    case Op::Sinh: return std::sinh(a);
    case Op::Cosh: return std::cosh(a);
    case Op::Tanh: return std::tanh(a);
    case Op::Asinh: return std::asinh(a);
    case Op::Acosh: return std::acosh(a);
    case Op::Atanh: return std::atanh(a);
    case Op::Abs: return std::fabs(a);
    case Op::Sign: return sign(a);
    case Op::Heaviside: return heaviside(a);
    case Op::Cbrt: return std::cbrt(a);
    case Op::Erf: return std::erf(a);
    case Op::Sigmoid: return sigmoid(a);
    case Op::Relu: return relu(a);
    case Op::Softplus: return softplus(a);
    case Op::Max: return max(a, b);
    case Op::Min: return min(a, b);
    case Op::Num: case Op::Sym: case Op::Pi: case Op::Add: case Op::Mul: case Op::Pow: case Op::List:
    case Op::At: case Op::Len: case Op::Sum: case Op::RowSum: case Op::RowMean: case Op::Guard: case Op::Vec:
    case Op::MaxOver: case Op::RowMax:
        break;
    }
    return std::nan("");
}

/// The value of the Pi atom.
inline constexpr double kPi = std::numbers::pi;

} // namespace symdiff::detail
