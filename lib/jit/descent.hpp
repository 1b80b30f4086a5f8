// Internal to lib: the first-order descent loop compiled as one native function around its
// inlined f+∇f kernel (issue #7's "whole loop generated into the same LLVM module"). No LLVM
// here, so lib/optimize may include it; the code generator is lib/codegen/descent_codegen.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "codegen/descent_abi.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/jit.hpp"

namespace symdiff::detail {

/// One compiled descent loop: `run` takes x (n values, updated in place) and buf (n + 1
/// values holding f, ∇f at x on entry and at the final x on return), runs symdiff/detail/first_order.hpp's
/// run_first_order with the same operations in the same order, and returns the steps taken.
/// Owns its machine code; callable from several threads at once.
class NativeDescent {
public:
    NativeDescent();
    ~NativeDescent();
    NativeDescent(NativeDescent&&) noexcept;
    NativeDescent& operator=(NativeDescent&&) noexcept;

    std::uint64_t run(double* x, double* buf, const DescentParams& params, DescentOutcome& outcome) const {
        return fn_(x, buf, &params, &outcome);
    }
    explicit operator bool() const noexcept { return fn_ != nullptr; }

    struct Impl;

private:
    using Fn = std::uint64_t (*)(double*, double*, const DescentParams*, DescentOutcome*);
    friend NativeDescent compile_descent(std::span<const Expr>, std::span<const Expr>, DescentRule, bool,
                                         const JitOptions&);
    Fn fn_ = nullptr;
    std::unique_ptr<Impl> impl_;
};

/// Compiles the loop of `rule` around the kernel of `outputs` = [f, ∂f/∂vars[0], ...] (as
/// value_and_gradient(f, vars) gives them); `checked` includes the gradient and function
/// tolerance tests. Throws symdiff::Error like compile().
NativeDescent compile_descent(std::span<const Expr> outputs, std::span<const Expr> vars, DescentRule rule,
                              bool checked, const JitOptions& options = {});

/// The functions Objective runs through compile_descent: f of at most this many DAG nodes
/// over at most this many variables. Above that the loop body no longer stays in registers,
/// and the C++ loop around the separately compiled kernel was as fast or faster
/// (bench/README.md "## Optimisers").
inline constexpr std::size_t kNativeDescentMaxNodes = 100;
inline constexpr std::size_t kNativeDescentMaxVars = 32;

} // namespace symdiff::detail
