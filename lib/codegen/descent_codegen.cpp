// The descent loop of descent_codegen.hpp: run_first_order (symdiff/detail/first_order.hpp)
// as IR. The update rules and the gradient norm are not written here: they are the templates
// of symdiff/detail/descent_rules.hpp, instantiated with IrValue, whose operators emit IR.
#include "codegen/descent_codegen.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <llvm/IR/BasicBlock.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include "symdiff/detail/descent_rules.hpp"

namespace symdiff::detail {

namespace {

// Field numbers of DescentParams as an LLVM struct (nine doubles, the step count, the stop flag).
enum Field : unsigned { Eta, Limit, Tol2, Ftol, Beta, Beta1, Beta2, Epsilon, Rho, MaxSteps, StopFlag };

// The stop flag is read when the step number is a multiple of this: a volatile load every
// step would be cheap, but this keeps the hot loop exactly what it was.
constexpr std::uint64_t kStopPollMask = 1023;

/// A double of the generated code. Arithmetic on it emits the instruction (no fast-math
/// flags), so a rule written for double computes the same bits in both worlds.
struct IrValue {
    llvm::IRBuilder<>* b = nullptr;
    llvm::Value* v = nullptr;
};
IrValue operator+(IrValue l, IrValue r) { return {l.b, l.b->CreateFAdd(l.v, r.v)}; }
IrValue operator-(IrValue l, IrValue r) { return {l.b, l.b->CreateFSub(l.v, r.v)}; }
IrValue operator*(IrValue l, IrValue r) { return {l.b, l.b->CreateFMul(l.v, r.v)}; }
IrValue operator/(IrValue l, IrValue r) { return {l.b, l.b->CreateFDiv(l.v, r.v)}; }
IrValue sqrt(IrValue a) { return {a.b, a.b->CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, a.v)}; }

/// Builds the loop function. x, ∇f and the rule's state live in allocas of constant size:
/// after the kernel is inlined, SROA turns them into registers that stay live across steps.
class LoopBuilder {
public:
    LoopBuilder(llvm::Module& m, llvm::Function* kernel, const std::string& name, std::size_t n)
        : c_(m.getContext()), b_(c_), kernel_(kernel), n_(n), f64_(llvm::Type::getDoubleTy(c_)),
          x_ty_(llvm::ArrayType::get(f64_, n)), buf_ty_(llvm::ArrayType::get(f64_, n + 1)) {
        llvm::Type* i64 = llvm::Type::getInt64Ty(c_);
        llvm::PointerType* ptr = llvm::PointerType::getUnqual(c_);
        params_ty_ = llvm::StructType::get(c_, {f64_, f64_, f64_, f64_, f64_, f64_, f64_, f64_, f64_, i64, ptr});
        auto* fn_ty = llvm::FunctionType::get(i64, {ptr, ptr, ptr, ptr}, false);
        fn_ = llvm::Function::Create(fn_ty, llvm::GlobalValue::ExternalLinkage, name, m);
        for (unsigned a = 0; a < 4; ++a) fn_->addParamAttr(a, llvm::Attribute::NoAlias);
    }

    template <class R>
    llvm::Error build(bool checked) {
        entry(R::arrays);
        RuleConstants<IrValue> consts{constant(1.0), field(Beta), field(Beta1), field(Beta2), field(Epsilon),
                                      field(Rho)};
        std::array<IrValue, R::scalars> carried{};
        R::start(carried.data(), consts);
        llvm::Value* f0 = load(buf_ty_, buf_, 0);
        b_.CreateBr(loop_);

        // step: the head of run_first_order's for (;;)
        b_.SetInsertPoint(loop_);
        k_ = b_.CreatePHI(b_.getInt64Ty(), 2, "k");
        f_prev_ = b_.CreatePHI(f64_, 2, "f_prev");
        k_->addIncoming(b_.getInt64(0), entry_);
        f_prev_->addIncoming(f0, entry_);
        std::array<llvm::PHINode*, R::scalars> phis{};
        for (std::size_t j = 0; j < R::scalars; ++j) {
            phis[j] = b_.CreatePHI(f64_, 2, "carried");
            phis[j]->addIncoming(carried[j].v, entry_);
            carried[j] = {&b_, phis[j]};
        }
        llvm::Value* f_next_prev = checks(checked);

        // rule.update(x, g, n, eta)
        const auto step = R::begin(carried.data(), consts);
        const IrValue eta = field(Eta);
        for (std::size_t i = 0; i < n_; ++i) {
            IrValue st[R::arrays > 0 ? R::arrays : 1];
            for (std::size_t a = 0; a < R::arrays; ++a) st[a] = {&b_, load(x_ty_, state_[a], i)};
            const IrValue xn = R::update(IrValue{&b_, load(x_ty_, x_, i)}, IrValue{&b_, load(buf_ty_, buf_, 1 + i)},
                                         st, eta, consts, step);
            for (std::size_t a = 0; a < R::arrays; ++a) store(st[a].v, x_ty_, state_[a], i);
            store(xn.v, x_ty_, x_, i);
        }
        llvm::Value* k1 = b_.CreateAdd(k_, b_.getInt64(1), "k1");
        b_.CreateCall(kernel_, {x_, buf_});
        llvm::BasicBlock* latch = b_.GetInsertBlock();
        k_->addIncoming(k1, latch);
        f_prev_->addIncoming(f_next_prev, latch);
        for (std::size_t j = 0; j < R::scalars; ++j) phis[j]->addIncoming(carried[j].v, latch);
        b_.CreateBr(loop_);
        return finish();
    }

private:
    /// The entry block: copies x and buf in, zeroes `arrays` state arrays.
    void entry(std::size_t arrays) {
        entry_ = llvm::BasicBlock::Create(c_, "entry", fn_);
        loop_ = llvm::BasicBlock::Create(c_, "step", fn_);
        exit_ = llvm::BasicBlock::Create(c_, "exit", fn_);
        b_.SetInsertPoint(entry_);
        x_ = b_.CreateAlloca(x_ty_, nullptr, "x");
        buf_ = b_.CreateAlloca(buf_ty_, nullptr, "buf");
        b_.CreateMemCpy(x_, kAlign, fn_->getArg(0), kAlign, n_ * 8);
        b_.CreateMemCpy(buf_, kAlign, fn_->getArg(1), kAlign, (n_ + 1) * 8);
        for (std::size_t a = 0; a < arrays; ++a) {
            llvm::Value* s = b_.CreateAlloca(x_ty_, nullptr, "state");
            b_.CreateMemSet(s, b_.getInt8(0), n_ * 8, kAlign);
            state_.push_back(s);
        }
        for (unsigned f = Eta; f < MaxSteps; ++f)
            fields_[f] = b_.CreateLoad(f64_, b_.CreateStructGEP(params_ty_, fn_->getArg(2), f));
        max_steps_ =
            b_.CreateLoad(b_.getInt64Ty(), b_.CreateStructGEP(params_ty_, fn_->getArg(2), MaxSteps), "max_steps");
        stop_flag_ = b_.CreateLoad(llvm::PointerType::getUnqual(c_),
                                   b_.CreateStructGEP(params_ty_, fn_->getArg(2), StopFlag), "stop_flag");
    }

    /// The tests before the update: divergence, the tolerances when `checked`, the step limit
    /// and the stop flag. Returns the f_prev of the next step.
    llvm::Value* checks(bool checked) {
        llvm::Value* zero = llvm::ConstantFP::get(f64_, 0.0);
        llvm::Value* one = llvm::ConstantFP::get(f64_, 1.0);
        llvm::Value* f = load(buf_ty_, buf_, 0);
        // if (!(|f| <= limit)) diverged: an unordered compare is false for nan, as in C++
        leave_if(b_.CreateNot(b_.CreateFCmpOLE(fabs(f), fields_[Limit])), DescentStop::Diverged, "diverged");
        llvm::Value* f_next_prev = f_prev_;
        if (checked) {
            const IrValue norm2 = sum_of_squares(n_, constant(0.0), [&](std::size_t i) {
                return IrValue{&b_, load(buf_ty_, buf_, 1 + i)};
            });
            llvm::Value* tol2 = fields_[Tol2];
            leave_if(b_.CreateAnd(b_.CreateFCmpOGT(tol2, zero), b_.CreateFCmpOLT(norm2.v, tol2)),
                     DescentStop::GradientTolerance, "grad_tol");
            llvm::Value* af = fabs(f);
            llvm::Value* scale = b_.CreateSelect(b_.CreateFCmpOLT(one, af), af, one); // std::max(1.0, |f|)
            llvm::Value* ftol = fields_[Ftol];
            llvm::Value* small = b_.CreateFCmpOLE(fabs(b_.CreateFSub(f, f_prev_)), b_.CreateFMul(ftol, scale));
            llvm::Value* on = b_.CreateAnd(b_.CreateFCmpOGT(ftol, zero), b_.CreateICmpUGT(k_, b_.getInt64(0)));
            leave_if(b_.CreateAnd(on, small), DescentStop::FunctionTolerance, "f_tol");
            f_next_prev = f;
        }
        leave_if(b_.CreateICmpEQ(k_, max_steps_), DescentStop::MaxSteps, "max_steps");
        // Every 1024 steps: if (*stop != 0) stop as interrupted, at step k before its update.
        auto* poll = llvm::BasicBlock::Create(c_, "poll", fn_);
        auto* interrupted = llvm::BasicBlock::Create(c_, "interrupted", fn_);
        auto* update = llvm::BasicBlock::Create(c_, "update", fn_);
        llvm::Value* due = b_.CreateICmpEQ(b_.CreateAnd(k_, b_.getInt64(kStopPollMask)), b_.getInt64(0));
        b_.CreateCondBr(due, poll, update);
        b_.SetInsertPoint(poll);
        llvm::LoadInst* flag = b_.CreateLoad(b_.getInt32Ty(), stop_flag_, /*isVolatile=*/true, "stop");
        b_.CreateCondBr(b_.CreateICmpNE(flag, b_.getInt32(0)), interrupted, update);
        b_.SetInsertPoint(interrupted);
        b_.CreateBr(exit_);
        exits_.push_back({interrupted, DescentStop::Interrupted});
        b_.SetInsertPoint(update);
        return f_next_prev;
    }

    /// exit: hands x and the last evaluation back, with the step count and the reason.
    llvm::Error finish() {
        b_.SetInsertPoint(exit_);
        llvm::PHINode* why = b_.CreatePHI(b_.getInt32Ty(), static_cast<unsigned>(exits_.size()), "why");
        for (const Exit& e : exits_) why->addIncoming(b_.getInt32(static_cast<std::uint32_t>(e.why)), e.from);
        // DescentOutcome: the reason as i32 at offset 0, f_prev as a double at offset 8
        llvm::StructType* outcome_ty = llvm::StructType::get(c_, {b_.getInt32Ty(), f64_});
        llvm::Value* outcome = fn_->getArg(3);
        b_.CreateStore(why, b_.CreateStructGEP(outcome_ty, outcome, 0));
        b_.CreateStore(f_prev_, b_.CreateStructGEP(outcome_ty, outcome, 1));
        b_.CreateMemCpy(fn_->getArg(0), kAlign, x_, kAlign, n_ * 8);
        b_.CreateMemCpy(fn_->getArg(1), kAlign, buf_, kAlign, (n_ + 1) * 8);
        b_.CreateRet(k_);
        std::string problems;
        llvm::raw_string_ostream os(problems);
        if (llvm::verifyFunction(*fn_, &os))
            return llvm::createStringError(llvm::inconvertibleErrorCode(), "descent loop does not verify: " + os.str());
        return llvm::Error::success();
    }

    void leave_if(llvm::Value* cond, DescentStop why, const char* label) {
        auto* out = llvm::BasicBlock::Create(c_, label, fn_);
        auto* go_on = llvm::BasicBlock::Create(c_, "go_on", fn_);
        b_.CreateCondBr(cond, out, go_on);
        b_.SetInsertPoint(out);
        b_.CreateBr(exit_);
        exits_.push_back({out, why});
        b_.SetInsertPoint(go_on);
    }

    IrValue field(Field f) { return {&b_, fields_[f]}; }
    IrValue constant(double v) { return {&b_, llvm::ConstantFP::get(f64_, v)}; }
    llvm::Value* at(llvm::Type* ty, llvm::Value* base, std::size_t i) { return b_.CreateConstGEP2_64(ty, base, 0, i); }
    llvm::Value* load(llvm::Type* ty, llvm::Value* base, std::size_t i) { return b_.CreateLoad(f64_, at(ty, base, i)); }
    void store(llvm::Value* v, llvm::Type* ty, llvm::Value* base, std::size_t i) { b_.CreateStore(v, at(ty, base, i)); }
    llvm::Value* fabs(llvm::Value* v) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v); }

    const llvm::Align kAlign{8};
    struct Exit {
        llvm::BasicBlock* from;
        DescentStop why;
    };

    llvm::LLVMContext& c_;
    llvm::IRBuilder<> b_;
    llvm::Function* kernel_;
    std::size_t n_;
    llvm::Type* f64_;
    llvm::Type* x_ty_;
    llvm::Type* buf_ty_;
    llvm::StructType* params_ty_ = nullptr;
    llvm::Function* fn_ = nullptr;
    llvm::BasicBlock* entry_ = nullptr;
    llvm::BasicBlock* loop_ = nullptr;
    llvm::BasicBlock* exit_ = nullptr;
    llvm::Value* x_ = nullptr;
    llvm::Value* buf_ = nullptr;
    std::vector<llvm::Value*> state_; // the rule's arrays
    llvm::Value* fields_[MaxSteps] = {};
    llvm::Value* max_steps_ = nullptr;
    llvm::Value* stop_flag_ = nullptr;
    llvm::PHINode* k_ = nullptr;
    llvm::PHINode* f_prev_ = nullptr;
    std::vector<Exit> exits_;
};

} // namespace

llvm::Error add_descent_loop(llvm::Module& m, const std::string& kernel_name, const std::string& name, std::size_t n,
                             DescentRule rule, bool checked) {
    llvm::Function* kernel = m.getFunction(kernel_name);
    if (!kernel) return llvm::createStringError(llvm::inconvertibleErrorCode(), "descent: no kernel " + kernel_name);
    kernel->setLinkage(llvm::GlobalValue::InternalLinkage);
    kernel->removeFnAttr(llvm::Attribute::NoInline);
    kernel->addFnAttr(llvm::Attribute::AlwaysInline);
    LoopBuilder lb(m, kernel, name, n);
    switch (rule) {
    case DescentRule::Gd: return lb.build<rules::Gd>(checked);
    case DescentRule::MomentumAccumulate: return lb.build<rules::MomentumAccumulate>(checked);
    case DescentRule::MomentumVelocity: return lb.build<rules::MomentumVelocity>(checked);
    case DescentRule::Nesterov: return lb.build<rules::Nesterov>(checked);
    case DescentRule::Adam: return lb.build<rules::Adam>(checked);
    case DescentRule::RmsProp: return lb.build<rules::RmsProp>(checked);
    }
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "descent: unknown rule");
}

} // namespace symdiff::detail
