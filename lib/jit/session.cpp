// The process's LLJIT, the per-thread target machines, and LinkedCode (session.hpp).
#include "jit/session.hpp"

#include <array>
#include <mutex>
#include <utility>

#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/Support/SmallVectorMemoryBuffer.h>

#include "codegen/llvm_codegen.hpp"
#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {

// One LLJIT for the process. Kernels are compiled to object code by compile() itself (so each
// request picks its own optimisation level, on the calling thread); the JIT only links them.
// Every LinkedCode holds a reference, so the JIT outlives the last of them.
std::shared_ptr<Session> session() {
    static std::once_flag once;
    static std::shared_ptr<Session> shared;
    static std::string failure;
    std::call_once(once, [] {
        initialize_llvm();
        auto jit = llvm::orc::LLJITBuilder().create();
        if (!jit) {
            failure = llvm::toString(jit.takeError());
            return;
        }
        auto s = std::make_shared<Session>();
        s->jit = std::move(*jit);
        shared = std::move(s);
    });
    if (!shared) throw Error("cannot start the LLVM JIT: " + failure);
    return shared;
}

// Target machines are not thread-safe and cost about a millisecond to make: one per thread
// and codegen level, made on first use.
llvm::TargetMachine& target_machine(int level) {
    thread_local std::array<std::unique_ptr<llvm::TargetMachine>, 4> machines;
    auto& tm = machines[static_cast<std::size_t>(level)];
    if (!tm) {
        auto made = host_target_machine(level);
        if (!made) throw_llvm_error(made.takeError(), "cannot create a target machine for this CPU");
        tm = std::move(*made);
    }
    return *tm;
}

LinkedCode::LinkedCode(std::shared_ptr<Session> session, llvm::SmallVector<char, 0> object, const std::string& name)
    : session_(std::move(session)) {
    llvm::orc::LLJIT& jit = *session_->jit;
    tracker_ = jit.getMainJITDylib().createResourceTracker();
    auto buffer = std::make_unique<llvm::SmallVectorMemoryBuffer>(std::move(object), name + ".o", false);
    if (auto err = jit.addObjectFile(tracker_, std::move(buffer))) throw_llvm_error(std::move(err), "JIT linking failed");
}

LinkedCode& LinkedCode::operator=(LinkedCode&& other) noexcept {
    if (this != &other) {
        release();
        session_ = std::move(other.session_);
        tracker_ = std::move(other.tracker_);
    }
    return *this;
}

llvm::orc::ExecutorAddr LinkedCode::address(const std::string& symbol) const {
    auto found = session_->jit->lookup(symbol);
    if (!found) throw_llvm_error(found.takeError(), "JIT linking failed");
    return *found;
}

void LinkedCode::release() noexcept {
    if (!tracker_) return;
    // Removal only fails if the JIT is already torn down; the memory is then gone anyway, and
    // a destructor has no one to report to.
    llvm::consumeError(tracker_->remove());
    tracker_ = nullptr;
    // Names of removed kernels stay in the string pool until swept.
    if (++session_->removed % 256 == 0) session_->jit->getExecutionSession().getSymbolStringPool()->clearDeadEntries();
    session_ = nullptr;
}

} // namespace symdiff::detail
