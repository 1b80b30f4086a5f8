// The LLJIT session, CompiledFunction, and the compile/emit entry points of jit.hpp.
#include "symdiff/jit.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <string>

#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/Support/SmallVectorMemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>

#include "codegen/llvm_codegen.hpp"
#include "jit/session.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"

namespace symdiff {

namespace detail {

// One LLJIT for the process. Kernels are compiled to object code by compile() itself (so each
// request picks its own optimisation level, on the calling thread); the JIT only links them.
// Every CompiledFunction holds a reference, so the JIT outlives the last of them.
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

namespace {

void check_options(const JitOptions& o) {
    if (o.opt_level < 0 || o.opt_level > 3)
        throw Error("optimisation level must be 0..3, got " + std::to_string(o.opt_level));
}

struct Built {
    std::unique_ptr<llvm::LLVMContext> ctx;
    std::unique_ptr<llvm::Module> module;
    int level;
};

// The optimised module of the kernels.
Built build_module(std::span<const KernelSpec> kernels, std::span<const Expr> inputs, const JitOptions& options) {
    check_options(options);
    std::vector<Tape> tapes;
    std::size_t nodes = 0;
    for (const KernelSpec& k : kernels) {
        tapes.push_back(build_tape(flatten_outputs(k.outputs), inputs));
        nodes += tapes.back().dag_nodes;
    }
    Built b;
    b.level = codegen_level(options, nodes);
    initialize_llvm();
    llvm::TargetMachine& tm = target_machine(b.level);
    b.ctx = std::make_unique<llvm::LLVMContext>();
    b.module = make_module(*b.ctx, tm, "symdiff");
    for (std::size_t i = 0; i < kernels.size(); ++i)
        if (auto err = add_kernel(*b.module, tapes[i], kernels[i].name, options))
            throw_llvm_error(std::move(err), "code generation failed");
    optimize_module(*b.module, tm, options, nodes);
    return b;
}

} // namespace

} // namespace detail

struct CompiledFunction::Impl {
    std::shared_ptr<detail::Session> session;
    llvm::orc::ResourceTrackerSP tracker;

    ~Impl() {
        if (!tracker) return;
        // Removal only fails if the JIT is already torn down; the memory is then gone anyway,
        // and a destructor has no one to report to.
        llvm::consumeError(tracker->remove());
        // Names of removed kernels stay in the string pool until swept.
        if (++session->removed % 256 == 0) session->jit->getExecutionSession().getSymbolStringPool()->clearDeadEntries();
    }
};

CompiledFunction::CompiledFunction() noexcept = default;
CompiledFunction::~CompiledFunction() = default;
CompiledFunction::CompiledFunction(CompiledFunction&& o) noexcept
    : point_(std::exchange(o.point_, nullptr)), batch_(std::exchange(o.batch_, nullptr)),
      n_in_(std::exchange(o.n_in_, 0)), n_out_(std::exchange(o.n_out_, 0)), impl_(std::move(o.impl_)) {}
CompiledFunction& CompiledFunction::operator=(CompiledFunction&& o) noexcept {
    if (this != &o) {
        impl_ = std::move(o.impl_);
        point_ = std::exchange(o.point_, nullptr);
        batch_ = std::exchange(o.batch_, nullptr);
        n_in_ = std::exchange(o.n_in_, 0);
        n_out_ = std::exchange(o.n_out_, 0);
    }
    return *this;
}

CompiledFunction compile(std::span<const Expr> outputs, std::span<const Expr> inputs, const JitOptions& options) {
    auto session = detail::session();
    std::string name = "symdiff_kernel_" + std::to_string(session->next_id++);
    KernelSpec spec{name, std::vector<Expr>(outputs.begin(), outputs.end())};
    detail::Built built = detail::build_module(std::span<const KernelSpec>(&spec, 1), inputs, options);
    std::size_t n_out = detail::flatten_outputs(spec.outputs).size();

    auto object = detail::emit_machine_code(*built.module, detail::target_machine(built.level), false);
    if (!object) detail::throw_llvm_error(object.takeError(), "machine code generation failed");

    CompiledFunction f;
    f.impl_ = std::make_unique<CompiledFunction::Impl>();
    f.impl_->session = session;
    llvm::orc::LLJIT& jit = *session->jit;
    f.impl_->tracker = jit.getMainJITDylib().createResourceTracker();
    auto buffer = std::make_unique<llvm::SmallVectorMemoryBuffer>(std::move(*object), name + ".o", false);
    if (auto err = jit.addObjectFile(f.impl_->tracker, std::move(buffer)))
        detail::throw_llvm_error(std::move(err), "JIT linking failed");
    auto point = jit.lookup(name);
    if (!point) detail::throw_llvm_error(point.takeError(), "JIT linking failed");
    f.point_ = point->toPtr<CompiledFunction::PointFn>();
    if (options.opt_level == 3) {
        auto batch = jit.lookup(name + "_batch");
        if (!batch) detail::throw_llvm_error(batch.takeError(), "JIT linking failed");
        f.batch_ = batch->toPtr<CompiledFunction::BatchFn>();
    }
    f.n_in_ = inputs.size();
    f.n_out_ = n_out;
    return f;
}

std::vector<Expr> value_and_gradient(Expr f, std::span<const Expr> vars) {
    std::vector<Expr> outs{f};
    std::vector<Expr> g = gradient(f, vars);
    outs.insert(outs.end(), g.begin(), g.end());
    return outs;
}

CompiledFunction compile_gradient(Expr f, std::span<const Expr> vars, const JitOptions& options) {
    std::vector<Expr> outs = value_and_gradient(f, vars);
    return compile(outs, vars, options);
}

CompiledFunction compile_hessian(Expr f, std::span<const Expr> vars, const JitOptions& options) {
    std::vector<Expr> outs;
    outs.reserve(vars.size() * vars.size());
    for (auto& row : hessian(f, vars)) outs.insert(outs.end(), row.begin(), row.end());
    return compile(outs, vars, options);
}

std::string emit_llvm_ir(std::span<const KernelSpec> kernels, std::span<const Expr> inputs, const JitOptions& options) {
    detail::Built built = detail::build_module(kernels, inputs, options);
    std::string text;
    llvm::raw_string_ostream os(text);
    built.module->print(os, nullptr);
    return os.str();
}

std::string emit_asm(std::span<const KernelSpec> kernels, std::span<const Expr> inputs, const JitOptions& options) {
    detail::Built built = detail::build_module(kernels, inputs, options);
    auto text = detail::emit_machine_code(*built.module, detail::target_machine(built.level), true);
    if (!text) detail::throw_llvm_error(text.takeError(), "assembly generation failed");
    return std::string(text->data(), text->size());
}

} // namespace symdiff
