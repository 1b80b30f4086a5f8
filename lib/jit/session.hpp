// Internal to lib/jit: the process's one LLJIT, the per-thread target machines, and the owner
// of a linked object's machine code, shared by the straight-line kernels (jit.cpp), the loop
// kernels (loops.cpp) and the native descent loops (descent.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <llvm/ADT/SmallVector.h>
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

/// One object file linked into the session under its own ResourceTracker: its machine code
/// lives exactly as long as this (or the object it is moved into). Movable, not copyable.
class LinkedCode {
public:
    LinkedCode() = default;
    /// Links `object` (`name` names it in LLVM's messages); throws symdiff::Error on failure.
    LinkedCode(std::shared_ptr<Session> session, llvm::SmallVector<char, 0> object, const std::string& name);
    ~LinkedCode() { release(); }
    LinkedCode(LinkedCode&& other) noexcept = default;
    LinkedCode& operator=(LinkedCode&& other) noexcept;
    LinkedCode(const LinkedCode&) = delete;
    LinkedCode& operator=(const LinkedCode&) = delete;

    /// The address of the function `symbol` of the linked object, as a `Fn`; throws
    /// symdiff::Error if there is none.
    template <class Fn>
    Fn function(const std::string& symbol) const {
        return address(symbol).toPtr<Fn>();
    }

private:
    llvm::orc::ExecutorAddr address(const std::string& symbol) const;
    // Removes the code from the JIT (if any is held).
    void release() noexcept;

    std::shared_ptr<Session> session_;
    llvm::orc::ResourceTrackerSP tracker_;
};

} // namespace symdiff::detail
