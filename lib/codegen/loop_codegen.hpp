// Internal to lib/codegen and lib/jit: a LoopPlan (lib/eval/loop_plan.hpp) to one LLVM
// function with native loops. Includes LLVM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>

#include "eval/loop_plan.hpp"
#include "symdiff/jit.hpp"

namespace symdiff::detail {

/// What a failed check of a loop kernel reports. The kernel returns (index of the fault) + 1
/// and leaves in err[0] the offending value (a double), in err[1] and err[2] the element and
/// the length (integers) where they apply.
struct LoopFault {
    enum Kind { NotInteger, IndexNotInteger, OutOfRange, Columns, NoRows } kind = NotInteger;
    IntCheck check{};      ///< NotInteger
    NodeId at = 0;         ///< IndexNotInteger, OutOfRange: the At node
    std::uint32_t member = 0; ///< Columns, NoRows
};

/// Adds `i64 name(ptr scalars, ptr vectors, ptr lengths, ptr out, ptr vector_out, ptr err)`
/// computing the plan (0: done; otherwise 1 + an index into `faults`) and verifies it.
llvm::Error add_loop_kernel(llvm::Module& m, const LoopPlan& plan, const std::string& name,
                            const JitOptions& options, std::vector<LoopFault>& faults);

/// The number of instructions of the plan, the size JitOptions::large_kernel_nodes compares.
std::size_t plan_size(const LoopPlan& plan);

} // namespace symdiff::detail
