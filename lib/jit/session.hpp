// Internal to lib/jit: the process's one LLJIT and the per-thread target machines, shared by
// the straight-line kernels (jit.cpp) and the loop kernels (loops.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Target/TargetMachine.h>

namespace symdiff::detail {

/// Kernels are compiled to object code by the caller (each with its own optimisation level,
/// on the calling thread); the JIT only links them. Every kernel object holds a reference, so
/// the JIT outlives the last of them.
struct Session {
    std::unique_ptr<llvm::orc::LLJIT> jit;
    std::atomic<std::uint64_t> next_id{0};
    std::atomic<std::uint64_t> removed{0};
};

/// The session, started on first use; throws symdiff::Error if LLVM cannot start.
std::shared_ptr<Session> session();

/// This thread's target machine for the host at codegen level 0..3.
llvm::TargetMachine& target_machine(int level);

} // namespace symdiff::detail
