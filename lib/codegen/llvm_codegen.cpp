// Tape -> LLVM IR, the new-pass-manager pipeline, and host machine code (for the JIT and --emit).
#include "codegen/llvm_codegen.hpp"

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

// Below this many tape instructions the point kernel is inlined into its batch loop, so the
// loop over rows can be optimised (and vectorised) as a whole.
constexpr std::size_t kInlineIntoBatch = 4000;

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
        auto* ty = llvm::FunctionType::get(llvm::Type::getVoidTy(c_), {ptr_, ptr_}, false);
        llvm::Function* f = llvm::Function::Create(ty, llvm::Function::ExternalLinkage, name, m_);
        set_attributes(f, 1);
        if (tape_.code.size() <= kInlineIntoBatch) f->addFnAttr(llvm::Attribute::AlwaysInline);
        f->getArg(0)->setName("in");
        f->getArg(1)->setName("out");
        b_.SetInsertPoint(llvm::BasicBlock::Create(c_, "entry", f));
        if (options_.fast_math) b_.setFastMathFlags(llvm::FastMathFlags::getFast());
        body(f->getArg(0), f->getArg(1));
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

    void body(llvm::Value* in, llvm::Value* out) {
        std::vector<llvm::Value*> v(tape_.code.size(), nullptr);
        for (std::size_t i = 0; i < tape_.code.size(); ++i) {
            const TapeInst& t = tape_.code[i];
            switch (t.op) {
            case TapeOp::Const: v[i] = llvm::ConstantFP::get(dbl_, t.value); break;
            case TapeOp::Input:
                v[i] = b_.CreateLoad(dbl_, b_.CreateConstInBoundsGEP1_64(dbl_, in, t.index));
                break;
            case TapeOp::Add: v[i] = b_.CreateFAdd(v[t.a], v[t.b]); break;
            case TapeOp::Sub: v[i] = b_.CreateFSub(v[t.a], v[t.b]); break;
            case TapeOp::Mul: v[i] = b_.CreateFMul(v[t.a], v[t.b]); break;
            case TapeOp::Div: v[i] = b_.CreateFDiv(v[t.a], v[t.b]); break;
            case TapeOp::Neg: v[i] = b_.CreateFNeg(v[t.a]); break;
            case TapeOp::Sqrt: v[i] = b_.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, v[t.a]); break;
            case TapeOp::Fabs: v[i] = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v[t.a]); break;
            case TapeOp::Call: {
                llvm::Value* args[] = {v[t.a], v[t.b]};
                v[i] = libm_call(t.fn, std::span<llvm::Value* const>(args, static_cast<std::size_t>(libm_arity(t.fn))));
                break;
            }
            case TapeOp::CmpGt: v[i] = b_.CreateFCmpOGT(v[t.a], v[t.b]); break;
            case TapeOp::CmpGe: v[i] = b_.CreateFCmpOGE(v[t.a], v[t.b]); break;
            case TapeOp::CmpLt: v[i] = b_.CreateFCmpOLT(v[t.a], v[t.b]); break;
            case TapeOp::CmpEq: v[i] = b_.CreateFCmpOEQ(v[t.a], v[t.b]); break;
            case TapeOp::CmpUno: v[i] = b_.CreateFCmpUNO(v[t.a], v[t.b]); break;
            case TapeOp::Select: v[i] = b_.CreateSelect(v[t.index], v[t.a], v[t.b]); break;
            case TapeOp::Store: b_.CreateStore(v[t.a], b_.CreateConstInBoundsGEP1_64(dbl_, out, t.index)); break;
            }
        }
    }

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

llvm::Error add_kernel(llvm::Module& m, const Tape& tape, const std::string& name, const JitOptions& options) {
    KernelEmitter emit(m, tape, options);
    llvm::Function* p = emit.point(name);
    llvm::Function* b = emit.batch(name + "_batch", p);
    std::string problems;
    llvm::raw_string_ostream os(problems);
    if (llvm::verifyFunction(*p, &os) || llvm::verifyFunction(*b, &os))
        return llvm::createStringError(llvm::inconvertibleErrorCode(), "generated invalid IR: " + os.str());
    return llvm::Error::success();
}

int codegen_level(const JitOptions& options, std::size_t dag_nodes) {
    bool large = options.large_kernel_nodes != 0 && dag_nodes > options.large_kernel_nodes;
    return large ? std::min(options.opt_level, 1) : options.opt_level;
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
