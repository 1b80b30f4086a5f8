// LoopKernel and compile_loops (jit.hpp): a LoopPlan compiled by lib/codegen/loop_codegen
// and linked into the process's JIT session like the straight-line kernels.
#include <cstring>
#include <string>

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/Support/raw_ostream.h>

#include "codegen/llvm_codegen.hpp"
#include "codegen/loop_codegen.hpp"
#include "eval/loop_plan.hpp"
#include "jit/plan_kernel.hpp"
#include "jit/session.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/jit.hpp"

namespace symdiff {

struct LoopKernel::Impl {
    using Fn = std::int64_t (*)(const double*, const double* const*, const std::int64_t*, double*, double* const*,
                                std::int64_t*);
    detail::LoopPlan plan;
    std::vector<detail::LoopFault> faults;
    Fn fn = nullptr;
    detail::LinkedCode code;

    [[noreturn]] void fail(std::int64_t status, const std::int64_t* err, const LoopArgs& args) const {
        const detail::LoopFault& f = faults.at(static_cast<std::size_t>(status - 1));
        const Context& ctx = *plan.ctx;
        double value;
        std::memcpy(&value, &err[0], sizeof value);
        switch (f.kind) {
        case detail::LoopFault::NotInteger: throw Error(detail::not_integer_message(ctx, f.check, value));
        case detail::LoopFault::IndexNotInteger: throw Error(detail::index_not_integer_message(ctx, f.at, value));
        case detail::LoopFault::OutOfRange: throw Error(detail::out_of_range_message(ctx, f.at, err[1], err[2]));
        case detail::LoopFault::Columns: {
            const detail::Member& m = plan.members[f.member];
            std::uint32_t a = m.columns[0];
            for (std::uint32_t b : m.columns)
                if (args.lengths[b] != args.lengths[a])
                    throw Error(detail::column_lengths_message(plan, m, a, args.lengths[a], b, args.lengths[b]));
            break;
        }
        case detail::LoopFault::NoRows: throw Error("mean over no rows");
        }
        throw Error("loop kernel failed with status " + std::to_string(status));
    }
};

LoopKernel::LoopKernel() noexcept = default;
LoopKernel::LoopKernel(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
LoopKernel::~LoopKernel() = default;
LoopKernel::LoopKernel(LoopKernel&&) noexcept = default;
LoopKernel& LoopKernel::operator=(LoopKernel&&) noexcept = default;

std::size_t LoopKernel::scalar_outputs() const { return impl_->plan.scalar_outputs.size(); }
std::size_t LoopKernel::vector_outputs() const { return impl_->plan.vector_outputs.size(); }

std::vector<std::size_t> LoopKernel::vector_lengths(const LoopArgs& args) const {
    return detail::plan_vector_lengths(impl_->plan, args);
}

void LoopKernel::operator()(const LoopArgs& args) const {
    std::int64_t err[3] = {0, 0, 0};
    std::int64_t status = impl_->fn(args.scalars, args.vectors, args.lengths, args.out, args.vector_out, err);
    if (status != 0) impl_->fail(status, err, args);
}

namespace {

struct LoopModule {
    std::unique_ptr<llvm::LLVMContext> ctx;
    std::unique_ptr<llvm::Module> module;
};

// The optimised module of one loop kernel named `name`.
LoopModule build_loop_module(const detail::LoopPlan& plan, const std::string& name, const JitOptions& options,
                             std::vector<detail::LoopFault>& faults) {
    if (options.opt_level < 0 || options.opt_level > 3)
        throw Error("optimisation level must be 0..3, got " + std::to_string(options.opt_level));
    llvm::TargetMachine& tm = detail::target_machine(options.opt_level);
    LoopModule b;
    b.ctx = std::make_unique<llvm::LLVMContext>();
    b.module = detail::make_module(*b.ctx, tm, "symdiff_loops");
    if (auto err = detail::add_loop_kernel(*b.module, plan, name, options, faults))
        detail::throw_llvm_error(std::move(err), "code generation failed");
    detail::optimize_loop_module(*b.module, tm, options);
    return b;
}

} // namespace

std::string emit_loops_llvm_ir(std::span<const Expr> outputs, const Signature& signature, const JitOptions& options,
                               const std::string& name) {
    detail::LoopPlan plan = detail::LoopPlan::build(outputs, signature);
    std::vector<detail::LoopFault> faults;
    LoopModule b = build_loop_module(plan, name, options, faults);
    std::string text;
    llvm::raw_string_ostream os(text);
    b.module->print(os, nullptr);
    return os.str();
}

std::string emit_loops_asm(std::span<const Expr> outputs, const Signature& signature, const JitOptions& options,
                           const std::string& name) {
    detail::LoopPlan plan = detail::LoopPlan::build(outputs, signature);
    std::vector<detail::LoopFault> faults;
    LoopModule b = build_loop_module(plan, name, options, faults);
    auto text = detail::emit_machine_code(*b.module, detail::target_machine(options.opt_level), true);
    if (!text) detail::throw_llvm_error(text.takeError(), "assembly generation failed");
    return std::string(text->data(), text->size());
}

LoopKernel compile_loops(std::span<const Expr> outputs, const Signature& signature, const JitOptions& options) {
    return detail::compile_loop_plan(detail::LoopPlan::build(outputs, signature), options);
}

LoopKernel detail::compile_loop_plan(LoopPlan plan, const JitOptions& options) {
    auto impl = std::make_unique<LoopKernel::Impl>();
    impl->plan = std::move(plan);
    auto session = detail::session();
    std::string name = "symdiff_loops_" + std::to_string(session->next_id++);
    LoopModule built = build_loop_module(impl->plan, name, options, impl->faults);
    auto object = detail::emit_machine_code(*built.module, detail::target_machine(options.opt_level), false);
    if (!object) detail::throw_llvm_error(object.takeError(), "machine code generation failed");

    impl->code = detail::LinkedCode(std::move(session), std::move(*object), name);
    impl->fn = impl->code.function<LoopKernel::Impl::Fn>(name);
    return LoopKernel(std::move(impl));
}

} // namespace symdiff
