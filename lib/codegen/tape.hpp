// The straight-line program every backend (LLVM IR, C) is generated from, so that they all
// perform the same operations in the same order as the reference Interpreter.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff::detail {

/// The libm functions a kernel may call; the Interpreter calls the same ones.
enum class Libm : std::uint8_t {
    Exp, Log, Log1p, Expm1, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh,
    Asinh, Acosh, Atanh, Cbrt, Erf, Pow, Atan2,
};
std::string_view libm_name(Libm f);
int libm_arity(Libm f);

/// One instruction. Every instruction but Store defines the slot with its own index; Cmp*
/// define a boolean slot, the others a double.
enum class TapeOp : std::uint8_t {
    Const,  ///< value
    Input,  ///< in[index]
    Add,    ///< a + b
    Sub,    ///< a - b
    Mul,    ///< a * b
    Div,    ///< a / b
    Neg,    ///< -a
    Sqrt,   ///< correctly rounded sqrt(a)
    Fabs,   ///< |a|
    Call,   ///< fn(a) or fn(a, b)
    CmpGt,  ///< a > b   (false if either is nan)
    CmpGe,  ///< a >= b  (false if either is nan)
    CmpLt,  ///< a < b   (false if either is nan)
    CmpEq,  ///< a == b  (false if either is nan)
    CmpUno, ///< a or b is nan
    Select, ///< c ? a : b, with c a boolean slot in `index`
    Store,  ///< out[index] = a
};

struct TapeInst {
    TapeOp op;
    Libm fn = Libm::Exp;
    std::uint32_t a = 0, b = 0;
    std::uint32_t index = 0;
    double value = 0;
};

struct Tape {
    std::vector<TapeInst> code;
    std::uint32_t inputs = 0;
    std::uint32_t outputs = 0;
    std::size_t dag_nodes = 0; ///< distinct DAG nodes reached from the outputs
};

/// The outputs with List items spliced in, in order.
std::vector<Expr> flatten_outputs(std::span<const Expr> outputs);

/// Linearises the DAG of `outputs` (already flattened) over `inputs`: each distinct node
/// once, depth first from the outputs in order, each n-ary sum or product accumulated left to
/// right as soon as its next operand is ready (short live ranges). Throws symdiff::Error for
/// unknown variables, non-symbol or repeated inputs, and lists inside arithmetic.
Tape build_tape(std::span<const Expr> outputs, std::span<const Expr> inputs);

/// The instructions of the function or power `e` alone (its op and, for Pow, the plan of its
/// exponent), with Input(0) and Input(1) standing for the values of its operands and one
/// Store(0) of the result: how loop bodies reuse the kernels' lowering of every op.
Tape lower_op(Expr e);

} // namespace symdiff::detail
