/// \file The reference interpreter: slow, obviously correct evaluation over doubles.
///
/// It is the oracle the JIT is tested against, so its semantics are pinned down exactly:
///  - IEEE doubles, no fast-math: 1/0 = inf, ln(-1) = nan; a value, not an error.
///  - x^n for a constant integer n with |n| <= 64 is computed by square-and-multiply, and
///    1/(x^|n|) for n < 0; x^(1/2) is sqrt(x) and x^(-1/2) is 1/sqrt(x); any other power is
///    std::pow. The JIT generates exactly these operations, so both agree bit for bit.
///  - sigmoid, softplus, relu, heaviside, sign, max and min are computed as in
///    lib/eval/semantics.hpp (stable forms; nan propagates through max and min).
#pragma once

#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff {

/// Values of variables by name.
using Bindings = std::unordered_map<std::string, double>;

/// The value of e with its symbols bound by name. Throws symdiff::Error("unknown variable 'z'")
/// if a symbol of e has no binding, and symdiff::Error("cannot evaluate a list to a number")
/// if e is or contains a list. Iterates over the topological order: any depth is fine.
double evaluate(Expr e, const Bindings& at);

/// Evaluates several outputs over ordered inputs, sharing common subexpressions: the flat
/// tape a compiled kernel mirrors. out[i] = outputs[i](in).
class Interpreter {
public:
    /// Throws symdiff::Error if an output has a free symbol not among `inputs` ("unknown
    /// variable 'z'"), is or contains a list, or if an input is not a symbol. An input listed
    /// twice reads its first slot.
    Interpreter(std::span<const Expr> outputs, std::span<const Expr> inputs);
    /// in[inputs()] -> out[outputs()]; bit for bit the same as evaluate() on each output.
    /// Const and safe to call from several threads at once (each call has its own scratch).
    void run(const double* in, double* out) const;
    std::size_t inputs() const { return n_in_; }
    std::size_t outputs() const { return outs_.size(); }

private:
    struct Step {
        Op op;
        std::uint32_t a, b;       // operand slots
        std::uint32_t first, n;   // operand range in args_ for n-ary ops
        double constant;
        int ipow;                 // for Pow with a small integer exponent; else 0
        int root;                 // 1: sqrt, -1: 1/sqrt
    };
    std::vector<Step> steps_;
    std::vector<std::uint32_t> args_;
    std::vector<std::uint32_t> outs_;
    std::size_t n_in_ = 0;
};

} // namespace symdiff
