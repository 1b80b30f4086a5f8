// NativeDescent and compile_descent (jit/descent.hpp): the f+∇f kernel and the descent loop
// of lib/codegen/descent_codegen in one module, optimised together and linked into the
// process's JIT session like every other kernel.
#include "jit/descent.hpp"

#include <string>
#include <vector>

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>

#include "codegen/descent_codegen.hpp"
#include "codegen/llvm_codegen.hpp"
#include "codegen/tape.hpp"
#include "jit/session.hpp"
#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {

struct NativeDescent::Impl {
    LinkedCode code;
};

NativeDescent::NativeDescent() = default;
NativeDescent::~NativeDescent() = default;
NativeDescent::NativeDescent(NativeDescent&&) noexcept = default;
NativeDescent& NativeDescent::operator=(NativeDescent&&) noexcept = default;

NativeDescent compile_descent(std::span<const Expr> outputs, std::span<const Expr> vars, DescentRule rule,
                              bool checked, const JitOptions& options) {
    if (options.opt_level < 0 || options.opt_level > 3)
        throw Error("optimisation level must be 0..3, got " + std::to_string(options.opt_level));
    const Tape tape = build_tape(flatten_outputs(outputs), vars);

    auto session = detail::session();
    const std::string id = std::to_string(session->next_id++);
    const std::string kernel = "symdiff_descent_kernel_" + id;
    const std::string name = "symdiff_descent_" + id;
    initialize_llvm();
    llvm::TargetMachine& tm = target_machine(options.opt_level);
    llvm::LLVMContext ctx;
    std::unique_ptr<llvm::Module> m = make_module(ctx, tm, "symdiff_descent");
    // The kernel without its batch form (which only -O3 adds): the loop inlines the point kernel.
    JitOptions kernel_options = options;
    kernel_options.opt_level = std::min(options.opt_level, 2);
    if (auto err = add_kernel(*m, tape, kernel, kernel_options)) throw_llvm_error(std::move(err), "code generation failed");
    if (auto err = add_descent_loop(*m, kernel, name, vars.size(), rule, checked))
        throw_llvm_error(std::move(err), "code generation failed");
    optimize_module(*m, tm, options, tape.dag_nodes);
    auto object = emit_machine_code(*m, tm, false);
    if (!object) throw_llvm_error(object.takeError(), "machine code generation failed");

    NativeDescent d;
    d.impl_ = std::make_unique<NativeDescent::Impl>();
    d.impl_->code = LinkedCode(std::move(session), std::move(*object), name);
    d.fn_ = d.impl_->code.function<NativeDescent::Fn>(name);
    return d;
}

} // namespace symdiff::detail
