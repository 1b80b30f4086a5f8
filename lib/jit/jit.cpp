// The LLJIT session, CompiledFunction, and the compile/emit entry points of jit.hpp.
#include "symdiff/jit.hpp"

#include <optional>
#include <string>

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/Support/raw_ostream.h>

#include "codegen/llvm_codegen.hpp"
#include "codegen/loop_codegen.hpp"
#include "eval/loop_plan.hpp"
#include "jit/session.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/reroll.hpp"

namespace symdiff {

struct CompiledFunction::Impl {
    detail::LinkedCode code;
};

namespace detail {

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

struct Linked {
    std::unique_ptr<CompiledFunction::Impl> impl;
    CompiledFunction::PointFn point = nullptr;
    CompiledFunction::BatchFn batch = nullptr;
};

// Links an object file holding `name` (and `name_batch` if `batch`) into the session.
Linked link(std::shared_ptr<Session> session, llvm::SmallVector<char, 0> object, const std::string& name, bool batch) {
    Linked l;
    l.impl = std::make_unique<CompiledFunction::Impl>();
    l.impl->code = LinkedCode(std::move(session), std::move(object), name);
    l.point = l.impl->code.function<CompiledFunction::PointFn>(name);
    if (batch) l.batch = l.impl->code.function<CompiledFunction::BatchFn>(name + "_batch");
    return l;
}

// Strides above this are left flat: the entry copies each vector apart with its own loop.
constexpr std::size_t kMaxRolledStride = 8;

// The kernel of [f] (or [f, ∇f]) through rerolling and the loop code generator (see
// JitOptions::reroll_min_terms), or nullopt when rerolling does not apply; the flat path
// then compiles f, and reports any error in the request.
std::optional<Linked> compile_rolled(Expr f, std::span<const Expr> vars, bool gradient, const JitOptions& options) {
    if (options.reroll_min_terms == 0 || f.is_null() || !f.is(Op::Add)) return std::nullopt;
    RerollOptions ro;
    ro.min_terms = std::max<std::size_t>(options.reroll_min_terms, 2);
    std::optional<Rerolled> r = reroll(f, vars, ro);
    if (!r || r->vectors.size() > kMaxRolledStride) return std::nullopt;
    std::vector<Expr> outs{r->expr};
    if (gradient)
        for (Expr v : r->vectors) {
            // A vector no term reads (a stride whose every other variable is unused) has no Vec.
            if (!depends_on(r->expr, v)) return std::nullopt;
            // len(v) as the constant it is here: the loop kernel's segments (where each guard
            // holds) are then computed at compile time instead of on every call.
            Context& ctx = f.context();
            const std::pair<Expr, Expr> size{ctx.len(v), ctx.integer(static_cast<std::int64_t>(
                                                             r->lengths[outs.size() - 1]))};
            outs.push_back(substitute(vector_gradient(r->expr, v), std::span(&size, 1)));
        }
    Signature sig;
    sig.vectors = r->vectors;
    LoopPlan plan = LoopPlan::build(outs, sig);

    auto session = detail::session();
    const std::string name = "symdiff_kernel_" + std::to_string(session->next_id++);
    const std::string loops = name + ".loops";
    llvm::TargetMachine& tm = target_machine(options.opt_level);
    auto ctx = std::make_unique<llvm::LLVMContext>();
    auto module = make_module(*ctx, tm, "symdiff_rolled");
    std::vector<LoopFault> faults;
    if (auto err = add_loop_kernel(*module, plan, loops, options, faults))
        throw_llvm_error(std::move(err), "code generation failed");
    RolledLayout layout{vars.size(), r->lengths, gradient};
    if (auto err = add_rolled_entry(*module, loops, name, layout))
        throw_llvm_error(std::move(err), "code generation failed");
    optimize_rolled_module(*module, tm, options);
    auto object = emit_machine_code(*module, tm, false);
    if (!object) throw_llvm_error(object.takeError(), "machine code generation failed");
    Linked l = link(session, std::move(*object), name, false);

    // The loop kernel's checks (bounds integral, indices in range) depend only on the sizes,
    // which are constants here: one run of the same plan's interpreter proves they pass for
    // every input (the entry would write nan otherwise).
    std::vector<double> zeros(2 * vars.size() + 1, 0.0);
    double value = 0, no_scalar = 0;
    std::vector<const double*> vectors;
    std::vector<double*> vector_out;
    std::vector<std::int64_t> lengths;
    for (std::size_t j = 0, at = 0; j < r->lengths.size(); at += r->lengths[j++]) {
        vectors.push_back(zeros.data() + at);
        vector_out.push_back(zeros.data() + vars.size() + at);
        lengths.push_back(static_cast<std::int64_t>(r->lengths[j]));
    }
    LoopArgs args;
    args.scalars = &no_scalar;
    args.vectors = vectors.data();
    args.lengths = lengths.data();
    args.out = &value;
    args.vector_out = vector_out.data();
    try {
        LoopInterpreter(outs, sig).run(args);
    } catch (const Error& e) {
        throw Error(std::string("internal error: a rerolled kernel fails its loop checks: ") + e.what());
    }
    return l;
}

} // namespace

} // namespace detail

CompiledFunction::CompiledFunction() noexcept = default;
CompiledFunction::~CompiledFunction() = default;
CompiledFunction::CompiledFunction(CompiledFunction&& o) noexcept
    : point_(std::exchange(o.point_, nullptr)), batch_(std::exchange(o.batch_, nullptr)),
      n_in_(std::exchange(o.n_in_, 0)), n_out_(std::exchange(o.n_out_, 0)),
      rerolled_(std::exchange(o.rerolled_, false)), impl_(std::move(o.impl_)) {}
CompiledFunction& CompiledFunction::operator=(CompiledFunction&& o) noexcept {
    if (this != &o) {
        impl_ = std::move(o.impl_);
        point_ = std::exchange(o.point_, nullptr);
        batch_ = std::exchange(o.batch_, nullptr);
        n_in_ = std::exchange(o.n_in_, 0);
        n_out_ = std::exchange(o.n_out_, 0);
        rerolled_ = std::exchange(o.rerolled_, false);
    }
    return *this;
}

CompiledFunction compile(std::span<const Expr> outputs, std::span<const Expr> inputs, const JitOptions& options) {
    detail::check_options(options);
    CompiledFunction f;
    std::optional<detail::Linked> linked;
    if (outputs.size() == 1) linked = detail::compile_rolled(outputs[0], inputs, false, options);
    if (linked) {
        f.n_out_ = 1;
        f.rerolled_ = true;
    } else {
        auto session = detail::session();
        std::string name = "symdiff_kernel_" + std::to_string(session->next_id++);
        KernelSpec spec{name, std::vector<Expr>(outputs.begin(), outputs.end())};
        detail::Built built = detail::build_module(std::span<const KernelSpec>(&spec, 1), inputs, options);
        f.n_out_ = detail::flatten_outputs(spec.outputs).size();
        auto object = detail::emit_machine_code(*built.module, detail::target_machine(built.level), false);
        if (!object) detail::throw_llvm_error(object.takeError(), "machine code generation failed");
        linked = detail::link(session, std::move(*object), name, options.opt_level == 3);
    }
    f.impl_ = std::move(linked->impl);
    f.point_ = linked->point;
    f.batch_ = linked->batch;
    f.n_in_ = inputs.size();
    return f;
}

std::vector<Expr> value_and_gradient(Expr f, std::span<const Expr> vars) {
    std::vector<Expr> outs{f};
    std::vector<Expr> g = gradient(f, vars);
    outs.insert(outs.end(), g.begin(), g.end());
    return outs;
}

CompiledFunction compile_gradient(Expr f, std::span<const Expr> vars, const JitOptions& options) {
    detail::check_options(options);
    std::optional<detail::Linked> linked = detail::compile_rolled(f, vars, true, options);
    if (!linked) {
        std::vector<Expr> outs = value_and_gradient(f, vars);
        return compile(outs, vars, options);
    }
    CompiledFunction k;
    k.impl_ = std::move(linked->impl);
    k.point_ = linked->point;
    k.n_in_ = vars.size();
    k.n_out_ = vars.size() + 1;
    k.rerolled_ = true;
    return k;
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
