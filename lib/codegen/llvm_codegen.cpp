// Tape -> LLVM IR, the new-pass-manager pipeline, and host machine code (for the JIT and --emit).
#include "codegen/llvm_codegen.hpp"

#include <functional>
#include <initializer_list>
#include <mutex>
#include <vector>

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/IR/BasicBlock.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/PassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/IPO/GlobalDCE.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {

void initialize_llvm() {
    static std::once_flag once;
    std::call_once(once, [] {
        llvm::InitializeNativeTarget();
        llvm::InitializeNativeTargetAsmPrinter();
        llvm::InitializeNativeTargetAsmParser();
    });
}

void throw_llvm_error(llvm::Error err, const char* what) {
    throw Error(std::string(what) + ": " + llvm::toString(std::move(err)));
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>> host_target_machine(int opt_level) {
    initialize_llvm();
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) return jtmb.takeError();
    static constexpr llvm::CodeGenOptLevel kLevels[] = {llvm::CodeGenOptLevel::None, llvm::CodeGenOptLevel::Less,
                                                        llvm::CodeGenOptLevel::Default,
                                                        llvm::CodeGenOptLevel::Aggressive};
    jtmb->setCodeGenOptLevel(kLevels[opt_level]);
    // PIC keeps calls into libm valid wherever JITLink places the code.
    jtmb->setRelocationModel(llvm::Reloc::PIC_);
    jtmb->setCodeModel(llvm::CodeModel::Small);
    return jtmb->createTargetMachine();
}

std::unique_ptr<llvm::Module> make_module(llvm::LLVMContext& ctx, llvm::TargetMachine& tm, const std::string& name) {
    auto m = std::make_unique<llvm::Module>(name, ctx);
    m->setDataLayout(tm.createDataLayout());
    m->setTargetTriple(tm.getTargetTriple().str());
    return m;
}

namespace {

// The batch loop exists at -O3 only (see add_kernel). A kernel of at most this many tape
// instructions is inlined into it, so the loop vectoriser and unroller can work on the whole
// row. Rows are stored one after another, so the vectorised loop needs gathers and scatters,
// which made the Rosenbrock compile three times slower (bench/README.md "## JIT").
constexpr std::size_t kInlineIntoBatch = 256;

// Instructions per part of a split kernel (see KernelEmitter::point), and the largest scratch
// array kept on the stack (in doubles, 64 kB); larger ones are allocated per call (a malloc
// per call is noise beside the microseconds such a kernel runs).
constexpr std::size_t kChunkOps = 1024;
constexpr std::int64_t kStackSlots = 8192;

// `void name(ptr in, ptr out)`, the signature of every point kernel, with an empty body; only
// nounwind is set here, the callers add what their bodies allow.
llvm::Function* create_point_function(llvm::Module& m, const std::string& name) {
    llvm::LLVMContext& c = m.getContext();
    llvm::PointerType* ptr = llvm::PointerType::getUnqual(c);
    auto* ty = llvm::FunctionType::get(llvm::Type::getVoidTy(c), {ptr, ptr}, false);
    llvm::Function* f = llvm::Function::Create(ty, llvm::Function::ExternalLinkage, name, m);
    f->setDoesNotThrow();
    f->getArg(0)->setName("in");
    f->getArg(1)->setName("out");
    return f;
}

// Success, or the verifier's complaints about the first of `fs` that is invalid.
llvm::Error verify(std::initializer_list<llvm::Function*> fs) {
    std::string problems;
    llvm::raw_string_ostream os(problems);
    for (llvm::Function* f : fs)
        if (f && llvm::verifyFunction(*f, &os))
            return llvm::createStringError(llvm::inconvertibleErrorCode(), "generated invalid IR: " + os.str());
    return llvm::Error::success();
}

llvm::Function* declare_libm(llvm::Module& m, Libm fn) {
    llvm::LLVMContext& c = m.getContext();
    llvm::Type* d = llvm::Type::getDoubleTy(c);
    std::vector<llvm::Type*> params(static_cast<std::size_t>(libm_arity(fn)), d);
    llvm::FunctionCallee callee = m.getOrInsertFunction(libm_name(fn), llvm::FunctionType::get(d, params, false));
    auto* f = llvm::cast<llvm::Function>(callee.getCallee());
    // errno is never read, so the call is a pure function of its arguments (like clang's
    // -fno-math-errno): shared calls may be hoisted and dead ones removed.
    f->setDoesNotAccessMemory();
    f->setDoesNotThrow();
    f->setWillReturn();
    f->setDoesNotFreeMemory();
    f->setNoSync();
    return f;
}

class KernelEmitter {
public:
    KernelEmitter(llvm::Module& m, const Tape& tape, const JitOptions& options)
        : m_(m), c_(m.getContext()), tape_(tape), options_(options), b_(c_) {
        dbl_ = llvm::Type::getDoubleTy(c_);
        ptr_ = llvm::PointerType::getUnqual(c_);
        i64_ = llvm::Type::getInt64Ty(c_);
    }

    llvm::Function* point(const std::string& name) {
        llvm::Function* f = create_point_function(m_, name);
        set_attributes(f, 1);
        if (options_.opt_level == 3 && tape_.code.size() <= kInlineIntoBatch)
            f->addFnAttr(llvm::Attribute::AlwaysInline);
        else
            f->addFnAttr(llvm::Attribute::NoInline);
        b_.setFastMathFlags(fp_flags(options_));
        plan_chunks();
        b_.SetInsertPoint(llvm::BasicBlock::Create(c_, "entry", f));
        if (chunks_ <= 1) {
            emit_chunk(f->getArg(0), f->getArg(1), nullptr, 0);
            b_.CreateRetVoid();
            return f;
        }
        // Long kernels are split into parts of kChunkOps instructions, each its own function;
        // values that one part computes and a later part uses go through a scratch array.
        // The register allocator then works on short functions, so compile time stays linear
        // in the DAG (one 100,000-instruction function costs the greedy allocator minutes).
        llvm::Value* scratch = nullptr;
        llvm::Value* n_bytes = b_.getInt64(slots_ * 8);
        llvm::FunctionCallee free_fn;
        if (slots_ <= kStackSlots) {
            scratch = b_.CreateAlloca(dbl_, b_.getInt64(std::max<std::uint64_t>(slots_, 1)), "scratch");
        } else {
            llvm::FunctionCallee malloc_fn = m_.getOrInsertFunction("malloc", ptr_, i64_);
            free_fn = m_.getOrInsertFunction("free", llvm::Type::getVoidTy(c_), ptr_);
            scratch = b_.CreateCall(malloc_fn, {n_bytes}, "scratch");
            // It allocates and frees, so it can no longer promise nofree and nosync.
            f->removeFnAttr(llvm::Attribute::NoFree);
            f->removeFnAttr(llvm::Attribute::NoSync);
        }
        auto* part_ty = llvm::FunctionType::get(llvm::Type::getVoidTy(c_), {ptr_, ptr_, ptr_}, false);
        for (std::uint32_t c = 0; c < chunks_; ++c) {
            llvm::Function* part = llvm::Function::Create(part_ty, llvm::Function::InternalLinkage,
                                                          name + ".part" + std::to_string(c), m_);
            set_attributes(part, 1);
            part->removeParamAttr(2, llvm::Attribute::ReadOnly);
            part->addFnAttr(llvm::Attribute::NoInline);
            llvm::IRBuilderBase::InsertPoint caller = b_.saveIP();
            b_.SetInsertPoint(llvm::BasicBlock::Create(c_, "entry", part));
            emit_chunk(part->getArg(0), part->getArg(1), part->getArg(2), c);
            b_.CreateRetVoid();
            b_.restoreIP(caller);
            b_.CreateCall(part, {f->getArg(0), f->getArg(1), scratch})->setDoesNotThrow();
        }
        if (free_fn) b_.CreateCall(free_fn, {scratch});
        b_.CreateRetVoid();
        return f;
    }

    // for (i = 0; i < rows; ++i) point(in + i*n_in, out + i*n_out)
    llvm::Function* batch(const std::string& name, llvm::Function* point) {
        auto* ty = llvm::FunctionType::get(llvm::Type::getVoidTy(c_), {ptr_, i64_, ptr_}, false);
        llvm::Function* f = llvm::Function::Create(ty, llvm::Function::ExternalLinkage, name, m_);
        set_attributes(f, 2);
        llvm::Argument* in = f->getArg(0);
        llvm::Argument* rows = f->getArg(1);
        llvm::Argument* out = f->getArg(2);
        in->setName("in");
        rows->setName("rows");
        out->setName("out");
        auto* entry = llvm::BasicBlock::Create(c_, "entry", f);
        auto* loop = llvm::BasicBlock::Create(c_, "row", f);
        auto* done = llvm::BasicBlock::Create(c_, "done", f);
        b_.SetInsertPoint(entry);
        b_.CreateCondBr(b_.CreateICmpEQ(rows, b_.getInt64(0)), done, loop);
        b_.SetInsertPoint(loop);
        llvm::PHINode* i = b_.CreatePHI(i64_, 2, "i");
        i->addIncoming(b_.getInt64(0), entry);
        llvm::Value* pin = b_.CreateInBoundsGEP(dbl_, in, b_.CreateMul(i, b_.getInt64(tape_.inputs), "", true, true));
        llvm::Value* pout = b_.CreateInBoundsGEP(dbl_, out, b_.CreateMul(i, b_.getInt64(tape_.outputs), "", true, true));
        llvm::CallInst* call = b_.CreateCall(point, {pin, pout});
        call->setDoesNotThrow();
        llvm::Value* next = b_.CreateAdd(i, b_.getInt64(1), "", true, true);
        i->addIncoming(next, loop);
        b_.CreateCondBr(b_.CreateICmpEQ(next, rows), done, loop);
        b_.SetInsertPoint(done);
        b_.CreateRetVoid();
        return f;
    }

private:
    // `out_arg` is the index of the output pointer; every other pointer is an input.
    void set_attributes(llvm::Function* f, unsigned out_arg) {
        f->setDoesNotThrow();
        f->setWillReturn();
        f->setNoSync();
        f->setDoesNotFreeMemory();
        for (unsigned a = 0; a < f->arg_size(); ++a) {
            if (!f->getArg(a)->getType()->isPointerTy()) continue;
            f->addParamAttr(a, llvm::Attribute::NoAlias);
            f->addParamAttr(a, llvm::Attribute::NoCapture);
            f->addParamAttr(a, a == out_arg ? llvm::Attribute::WriteOnly : llvm::Attribute::ReadOnly);
        }
    }

    llvm::Value* libm_call(Libm fn, std::span<llvm::Value* const> args) {
        llvm::Function*& decl = libm_[static_cast<std::size_t>(fn)];
        if (!decl) decl = declare_libm(m_, fn);
        llvm::CallInst* call = b_.CreateCall(decl, llvm::ArrayRef<llvm::Value*>(args.data(), args.size()));
        call->setDoesNotAccessMemory();
        call->setDoesNotThrow();
        // Without fast-math, LLVM must neither constant-fold the call nor rewrite it
        // (pow(2, x) -> exp2(x), ...): the Interpreter calls this very libm function.
        if (!options_.fast_math) call->addFnAttr(llvm::Attribute::NoBuiltin);
        return call;
    }

    static bool is_free(TapeOp op) { return op == TapeOp::Const || op == TapeOp::Input; }
    static bool is_bool(TapeOp op) {
        return op == TapeOp::CmpGt || op == TapeOp::CmpGe || op == TapeOp::CmpLt || op == TapeOp::CmpEq ||
               op == TapeOp::CmpUno;
    }
    template <class F>
    static void for_operands(const TapeInst& t, F&& f) {
        switch (t.op) {
        case TapeOp::Const: case TapeOp::Input: break;
        case TapeOp::Neg: case TapeOp::Sqrt: case TapeOp::Fabs: case TapeOp::Store: f(t.a); break;
        case TapeOp::Call: f(t.a); if (libm_arity(t.fn) == 2) f(t.b); break;
        case TapeOp::Select: f(t.index); f(t.a); f(t.b); break;
        case TapeOp::Add: case TapeOp::Sub: case TapeOp::Mul: case TapeOp::Div: case TapeOp::CmpGt:
        case TapeOp::CmpGe: case TapeOp::CmpLt: case TapeOp::CmpEq: case TapeOp::CmpUno:
            f(t.a); f(t.b); break;
        }
    }

    // Assigns instructions to parts and a scratch slot to each value used outside its part.
    // Constants and inputs are never passed: each part materialises or loads its own.
    void plan_chunks() {
        const auto& code = tape_.code;
        part_.assign(code.size(), 0);
        slot_.assign(code.size(), -1);
        std::size_t work = 0;
        for (std::size_t i = 0; i < code.size(); ++i)
            if (!is_free(code[i].op)) part_[i] = static_cast<std::uint32_t>(work++ / kChunkOps);
        chunks_ = static_cast<std::uint32_t>((work + kChunkOps - 1) / kChunkOps);
        slots_ = 0;
        if (chunks_ <= 1) return;
        for (std::size_t i = 0; i < code.size(); ++i) {
            if (is_free(code[i].op)) continue;
            for_operands(code[i], [&](std::uint32_t u) {
                if (!is_free(code[u].op) && part_[u] != part_[i] && slot_[u] < 0) slot_[u] = slots_++;
            });
        }
    }

    // Emits the instructions of part `chunk` (all of them when the kernel is not split).
    void emit_chunk(llvm::Value* in, llvm::Value* out, llvm::Value* scratch, std::uint32_t chunk) {
        const auto& code = tape_.code;
        std::vector<llvm::Value*> v(code.size(), nullptr);
        auto get = [&](std::uint32_t u) -> llvm::Value* {
            if (v[u]) return v[u];
            const TapeInst& t = code[u];
            if (t.op == TapeOp::Const) return v[u] = llvm::ConstantFP::get(dbl_, t.value);
            if (t.op == TapeOp::Input) return v[u] = b_.CreateLoad(dbl_, b_.CreateConstInBoundsGEP1_64(dbl_, in, t.index));
            // Computed by an earlier part.
            llvm::Value* x = b_.CreateLoad(dbl_, b_.CreateConstInBoundsGEP1_64(dbl_, scratch, slot_[u]));
            if (is_bool(t.op)) x = b_.CreateFCmpONE(x, llvm::ConstantFP::get(dbl_, 0.0));
            return v[u] = x;
        };
        for (std::size_t i = 0; i < code.size(); ++i) {
            const TapeInst& t = code[i];
            if (is_free(t.op) || part_[i] != chunk) continue;
            llvm::Value* r = nullptr;
            switch (t.op) {
            case TapeOp::Const: case TapeOp::Input: break;
            case TapeOp::Add: r = b_.CreateFAdd(get(t.a), get(t.b)); break;
            case TapeOp::Sub: r = b_.CreateFSub(get(t.a), get(t.b)); break;
            case TapeOp::Mul: r = b_.CreateFMul(get(t.a), get(t.b)); break;
            case TapeOp::Div: r = b_.CreateFDiv(get(t.a), get(t.b)); break;
            case TapeOp::Neg: r = b_.CreateFNeg(get(t.a)); break;
            case TapeOp::Sqrt: r = b_.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, get(t.a)); break;
            case TapeOp::Fabs: r = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, get(t.a)); break;
            case TapeOp::Call: {
                llvm::Value* args[] = {get(t.a), libm_arity(t.fn) == 2 ? get(t.b) : nullptr};
                r = libm_call(t.fn, std::span<llvm::Value* const>(args, static_cast<std::size_t>(libm_arity(t.fn))));
                break;
            }
            case TapeOp::CmpGt: r = b_.CreateFCmpOGT(get(t.a), get(t.b)); break;
            case TapeOp::CmpGe: r = b_.CreateFCmpOGE(get(t.a), get(t.b)); break;
            case TapeOp::CmpLt: r = b_.CreateFCmpOLT(get(t.a), get(t.b)); break;
            case TapeOp::CmpEq: r = b_.CreateFCmpOEQ(get(t.a), get(t.b)); break;
            case TapeOp::CmpUno: r = b_.CreateFCmpUNO(get(t.a), get(t.b)); break;
            case TapeOp::Select: r = b_.CreateSelect(get(t.index), get(t.a), get(t.b)); break;
            case TapeOp::Store: b_.CreateStore(get(t.a), b_.CreateConstInBoundsGEP1_64(dbl_, out, t.index)); break;
            }
            v[i] = r;
            if (r && slot_.size() > i && slot_[i] >= 0) {
                llvm::Value* stored = is_bool(t.op) ? b_.CreateSelect(r, llvm::ConstantFP::get(dbl_, 1.0),
                                                                      llvm::ConstantFP::get(dbl_, 0.0))
                                                    : r;
                b_.CreateStore(stored, b_.CreateConstInBoundsGEP1_64(dbl_, scratch, slot_[i]));
            }
        }
    }

    std::vector<std::uint32_t> part_;
    std::vector<std::int64_t> slot_;
    std::uint32_t chunks_ = 0;
    std::int64_t slots_ = 0;

    llvm::Module& m_;
    llvm::LLVMContext& c_;
    const Tape& tape_;
    const JitOptions& options_;
    llvm::IRBuilder<> b_;
    llvm::Type* dbl_;
    llvm::PointerType* ptr_;
    llvm::Type* i64_;
    llvm::Function* libm_[32] = {};
};

} // namespace

llvm::FastMathFlags fp_flags(const JitOptions& options) {
    if (options.fast_math) return llvm::FastMathFlags::getFast();
    llvm::FastMathFlags flags;
    // `contract` on both the fmul and the fadd is what lets the code generator fuse them; the
    // target's global AllowFPOpFusion stays at its default, so other kernels are unaffected.
    flags.setAllowContract(options.fp_contract);
    return flags;
}

llvm::Value* call_libm(llvm::IRBuilderBase& b, llvm::Module& m, Libm fn, llvm::ArrayRef<llvm::Value*> args,
                       bool fast_math) {
    llvm::CallInst* call = b.CreateCall(declare_libm(m, fn), args);
    call->setDoesNotAccessMemory();
    call->setDoesNotThrow();
    // As in KernelEmitter::libm_call: the very function the interpreter calls, never folded.
    if (!fast_math) call->addFnAttr(llvm::Attribute::NoBuiltin);
    return call;
}

llvm::Error add_kernel(llvm::Module& m, const Tape& tape, const std::string& name, const JitOptions& options) {
    KernelEmitter emit(m, tape, options);
    llvm::Function* p = emit.point(name);
    // Below -O3 the loop over rows would only call the kernel, which CompiledFunction does in
    // C++ just as well; generating it anyway doubled the compile time of small kernels.
    llvm::Function* b = options.opt_level == 3 ? emit.batch(name + "_batch", p) : nullptr;
    return verify({p, b});
}

llvm::Error add_rolled_entry(llvm::Module& m, const std::string& loops, const std::string& name,
                             const RolledLayout& layout) {
    llvm::LLVMContext& c = m.getContext();
    llvm::IRBuilder<> b(c);
    llvm::Type* dbl = b.getDoubleTy();
    llvm::Type* i64 = b.getInt64Ty();
    llvm::PointerType* ptr = b.getPtrTy();
    llvm::Function* callee = m.getFunction(loops);
    if (!callee) return llvm::createStringError(llvm::inconvertibleErrorCode(), "no loop kernel " + loops);
    // Only the entry calls it (see optimize_rolled_module).
    callee->setLinkage(llvm::GlobalValue::InternalLinkage);
    callee->addFnAttr(llvm::Attribute::AlwaysInline);
    llvm::Function* f = create_point_function(m, name);
    llvm::Argument* in = f->getArg(0);
    llvm::Argument* out = f->getArg(1);
    b.SetInsertPoint(llvm::BasicBlock::Create(c, "entry", f));

    const std::size_t n = layout.inputs;
    const std::size_t stride = layout.lengths.size();
    const std::size_t n_out = layout.gradient ? n + 1 : 1;
    auto i64c = [&](std::size_t v) { return b.getInt64(static_cast<std::uint64_t>(v)); };
    auto at = [&](llvm::Value* base, llvm::Value* index) { return b.CreateInBoundsGEP(dbl, base, index); };
    // for (k = 0; k < count; ++k) body(k), as a counted loop in the current function.
    auto counted = [&](std::size_t count, const std::function<void(llvm::Value*)>& body) {
        if (count == 0) return;
        llvm::BasicBlock* pre = b.GetInsertBlock();
        auto* loop = llvm::BasicBlock::Create(c, "copy", f);
        auto* next = llvm::BasicBlock::Create(c, "copied", f);
        b.CreateBr(loop);
        b.SetInsertPoint(loop);
        llvm::PHINode* k = b.CreatePHI(i64, 2, "k");
        k->addIncoming(b.getInt64(0), pre);
        body(k);
        llvm::Value* k1 = b.CreateAdd(k, b.getInt64(1), "", true, true);
        k->addIncoming(k1, b.GetInsertBlock());
        b.CreateCondBr(b.CreateICmpEQ(k1, i64c(count)), next, loop);
        b.SetInsertPoint(next);
    };

    llvm::Value* scalars = b.CreateAlloca(dbl, nullptr, "no_scalars");
    llvm::Value* vectors = b.CreateAlloca(ptr, i64c(stride), "vectors");
    llvm::Value* lengths = b.CreateAlloca(i64, i64c(stride), "lengths");
    llvm::Value* vector_out = b.CreateAlloca(ptr, i64c(std::max<std::size_t>(stride, 1)), "vector_out");
    llvm::Value* err = b.CreateAlloca(i64, i64c(3), "err");
    llvm::Value* buffer = nullptr;
    bool on_heap = false;
    std::vector<std::size_t> start(stride, 0);
    for (std::size_t r = 1; r < stride; ++r) start[r] = start[r - 1] + layout.lengths[r - 1];
    if (stride == 1) {
        b.CreateStore(in, vectors);
        if (layout.gradient) b.CreateStore(at(out, b.getInt64(1)), vector_out);
    } else {
        // The inputs of vector r, then (with the gradient) its gradient entries, each contiguous.
        const std::size_t slots = layout.gradient ? 2 * n : n;
        on_heap = slots > kStackSlots;
        if (on_heap) {
            llvm::FunctionCallee malloc_fn = m.getOrInsertFunction("malloc", ptr, i64);
            buffer = b.CreateCall(malloc_fn, {i64c(slots * 8)}, "buffer");
        } else {
            buffer = b.CreateAlloca(dbl, i64c(slots), "buffer");
        }
        for (std::size_t r = 0; r < stride; ++r) {
            b.CreateStore(at(buffer, i64c(start[r])), b.CreateConstInBoundsGEP1_64(ptr, vectors, r));
            if (layout.gradient)
                b.CreateStore(at(buffer, i64c(n + start[r])), b.CreateConstInBoundsGEP1_64(ptr, vector_out, r));
            counted(layout.lengths[r], [&](llvm::Value* k) {
                llvm::Value* j = b.CreateAdd(b.CreateMul(k, i64c(stride)), i64c(r));
                b.CreateStore(b.CreateLoad(dbl, at(in, j)), at(buffer, b.CreateAdd(k, i64c(start[r]))));
            });
        }
    }
    for (std::size_t r = 0; r < stride; ++r)
        b.CreateStore(i64c(layout.lengths[r]), b.CreateConstInBoundsGEP1_64(i64, lengths, r));
    llvm::CallInst* status = b.CreateCall(callee, {scalars, vectors, lengths, out, vector_out, err}, "status");
    status->setDoesNotThrow();
    auto* ok = llvm::BasicBlock::Create(c, "ok", f);
    auto* failed = llvm::BasicBlock::Create(c, "failed", f);
    auto* done = llvm::BasicBlock::Create(c, "done", f);
    b.CreateCondBr(b.CreateICmpEQ(status, b.getInt64(0)), ok, failed);
    b.SetInsertPoint(failed);
    counted(n_out, [&](llvm::Value* k) {
        b.CreateStore(llvm::ConstantFP::getNaN(dbl), at(out, k));
    });
    b.CreateBr(done);
    b.SetInsertPoint(ok);
    if (stride > 1 && layout.gradient)
        for (std::size_t r = 0; r < stride; ++r)
            counted(layout.lengths[r], [&](llvm::Value* k) {
                llvm::Value* j = b.CreateAdd(b.CreateMul(k, i64c(stride)), i64c(r + 1));
                b.CreateStore(b.CreateLoad(dbl, at(buffer, b.CreateAdd(k, i64c(n + start[r])))), at(out, j));
            });
    b.CreateBr(done);
    b.SetInsertPoint(done);
    if (on_heap) {
        llvm::FunctionCallee free_fn = m.getOrInsertFunction("free", b.getVoidTy(), ptr);
        b.CreateCall(free_fn, {buffer});
    }
    b.CreateRetVoid();
    return verify({f});
}

int codegen_level(const JitOptions& options, std::size_t dag_nodes) {
    // Split kernels (see KernelEmitter::point) keep the code generator linear at every level,
    // so the level is the one asked for; only the IR pipeline depends on the size.
    (void)dag_nodes;
    return options.opt_level;
}

void optimize_module(llvm::Module& m, llvm::TargetMachine& tm, const JitOptions& options, std::size_t dag_nodes) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(&tm);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);

    bool large = options.large_kernel_nodes != 0 && dag_nodes > options.large_kernel_nodes;
    llvm::ModulePassManager mpm;
    if (options.opt_level == 0) {
        mpm = pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0);
    } else if (large) {
        // The tape is already free of common subexpressions and dead code; the full pipeline
        // would spend superlinear time rediscovering that. EarlyCSE folds what the tape leaves
        // (repeated loads of an input).
        llvm::FunctionPassManager fpm;
        fpm.addPass(llvm::EarlyCSEPass(false));
        mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
    } else {
        static const llvm::OptimizationLevel kLevels[] = {llvm::OptimizationLevel::O0, llvm::OptimizationLevel::O1,
                                                          llvm::OptimizationLevel::O2, llvm::OptimizationLevel::O3};
        mpm = pb.buildPerModuleDefaultPipeline(kLevels[options.opt_level]);
    }
    mpm.run(m, mam);
}

void optimize_loop_module(llvm::Module& m, llvm::TargetMachine& tm, const JitOptions& options) {
    if (options.opt_level == 0) return optimize_module(m, tm, options, 0);
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(&tm);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    // The loops arrive in their final shape (the hot one already in vectors, every shared
    // value computed once): what is left is folding, hoisting the splats and loop-invariant
    // values out of the loops, and tidying the control flow. -O3 adds unrolling of the hot loop.
    std::string text = "function(sroa,early-cse<memssa>,instcombine<no-verify-fixpoint>,simplifycfg,"
                       "loop-mssa(licm),gvn,instcombine<no-verify-fixpoint>,simplifycfg";
    if (options.opt_level == 3) text += ",loop(loop-unroll-full),loop-unroll<O3>,instcombine<no-verify-fixpoint>";
    text += ")";
    llvm::ModulePassManager mpm;
    if (auto err = pb.parsePassPipeline(mpm, text)) throw_llvm_error(std::move(err), "bad pass pipeline");
    mpm.run(m, mam);
}

void optimize_rolled_module(llvm::Module& m, llvm::TargetMachine& tm, const JitOptions& options) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(&tm);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::ModulePassManager mpm;
    mpm.addPass(llvm::AlwaysInlinerPass());
    mpm.addPass(llvm::GlobalDCEPass());
    mpm.run(m, mam);
    optimize_loop_module(m, tm, options);
}

llvm::Expected<llvm::SmallVector<char, 0>> emit_machine_code(llvm::Module& m, llvm::TargetMachine& tm, bool assembly) {
    llvm::SmallVector<char, 0> buffer;
    llvm::raw_svector_ostream os(buffer);
    // LLVM 19's code generator still runs under the legacy pass manager; only this step uses it.
    llvm::legacy::PassManager pm;
    if (tm.addPassesToEmitFile(pm, os, nullptr,
                               assembly ? llvm::CodeGenFileType::AssemblyFile : llvm::CodeGenFileType::ObjectFile))
        return llvm::createStringError(llvm::inconvertibleErrorCode(), "the target cannot emit this file type");
    pm.run(m);
    return buffer;
}

} // namespace symdiff::detail
