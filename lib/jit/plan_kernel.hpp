// Internal: a LoopKernel from a plan built elsewhere in the library (LoopPlan::build_map for
// batch.hpp), without LLVM in the includer.
#pragma once

#include "eval/loop_plan.hpp"
#include "symdiff/jit.hpp"

namespace symdiff::detail {

/// Compiles the plan as compile_loops compiles LoopPlan::build's; the same errors.
LoopKernel compile_loop_plan(LoopPlan plan, const JitOptions& options);

} // namespace symdiff::detail
