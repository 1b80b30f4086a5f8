// Numerically stable evaluation of sums of exponentials: log-sum-exp and softmax ratios.
//
// ln(exp(a) + exp(b)) overflows to inf at a = 1000 and exp(a)/(exp(a) + exp(b)) is inf/inf;
// the tutorials shift by the largest exponent first. Every evaluator (Interpreter,
// evaluate(), the LoopPlan of LoopInterpreter and LoopKernel, the tape of the JIT and the C
// emitter) evaluates stable_forms(outputs) instead of the outputs, so they all compute the
// same shifted form and agree bit for bit, while the expression the user wrote, its printing
// and its derivatives stay as written. The rules are in docs/reductions.md, "Numerically
// stable forms".
#pragma once

#include <span>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff::detail {

/// The outputs with every log-sum-exp and softmax ratio rewritten in shifted form. An output
/// without one is returned as it is (same node), and no node is made then. Only nodes with a
/// sum of exponentials below them are rewritten, so stable_forms(outputs)[i] is
/// stable_forms({outputs[i]})[0] whatever the other outputs are.
std::vector<Expr> stable_forms(std::span<const Expr> outputs);

} // namespace symdiff::detail
