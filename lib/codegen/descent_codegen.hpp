// Internal to lib/codegen and lib/jit: a first-order descent loop generated into the module of
// its f+∇f kernel, with the kernel inlined (issue #7's "whole loop in LLVM"). For small kernels
// this keeps x and ∇f in registers across steps, which no loop around a call can do. Includes
// LLVM, so never include it from outside lib/codegen and lib/jit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>

#include "codegen/descent_abi.hpp"

namespace symdiff::detail {

/// Adds `i64 name(ptr x, ptr buf, ptr params, ptr outcome)` to m, around the kernel `kernel`
/// (`void kernel(ptr in, ptr out)`, already in m, which this marks internal and always-inline).
/// On entry buf holds kernel(x) (the caller evaluates step 0 itself, for f_start and the
/// divergence limit); the function runs symdiff/detail/first_order.hpp's run_first_order loop with the same
/// operations in the same order (no fast-math), so x ends bit for bit where the C++ loop
/// would, and returns the number of steps taken, filling the DescentOutcome. `checked` adds the
/// gradient and function tolerance tests.
llvm::Error add_descent_loop(llvm::Module& m, const std::string& kernel, const std::string& name, std::size_t n,
                             DescentRule rule, bool checked);

} // namespace symdiff::detail
