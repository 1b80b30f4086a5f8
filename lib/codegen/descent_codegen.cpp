// The descent loop of descent_codegen.hpp. Every line mirrors a line of run_first_order and
// of the update rules in include/symdiff/optimize.hpp; keep them in step.
#include "codegen/descent_codegen.hpp"

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

namespace symdiff::detail {

namespace {

// Field numbers of DescentParams as an LLVM struct (nine doubles, the step count, the stop flag).
enum Field : unsigned { Eta, Limit, Tol2, Ftol, Beta, Beta1, Beta2, Epsilon, Rho, MaxSteps, StopFlag };

// The stop flag is read when the step number is a multiple of this: a volatile load every
// step would be cheap, but this keeps the hot loop exactly what it was.
constexpr std::uint64_t kStopPollMask = 1023;

} // namespace

llvm::Error add_descent_loop(llvm::Module& m, const std::string& kernel_name, const std::string& name, std::size_t n,
                             DescentRule rule, bool checked) {
    llvm::LLVMContext& c = m.getContext();
    llvm::Function* kernel = m.getFunction(kernel_name);
    if (!kernel) return llvm::createStringError(llvm::inconvertibleErrorCode(), "descent: no kernel " + kernel_name);
    kernel->setLinkage(llvm::GlobalValue::InternalLinkage);
    kernel->removeFnAttr(llvm::Attribute::NoInline);
    kernel->addFnAttr(llvm::Attribute::AlwaysInline);

    llvm::Type* f64 = llvm::Type::getDoubleTy(c);
    llvm::Type* i64 = llvm::Type::getInt64Ty(c);
    llvm::Type* i32 = llvm::Type::getInt32Ty(c);
    llvm::PointerType* ptr = llvm::PointerType::getUnqual(c);
    llvm::StructType* params_ty =
        llvm::StructType::get(c, {f64, f64, f64, f64, f64, f64, f64, f64, f64, i64, llvm::PointerType::getUnqual(c)});
    auto* fn_ty = llvm::FunctionType::get(i64, {ptr, ptr, ptr, ptr}, false);
    auto* fn = llvm::Function::Create(fn_ty, llvm::GlobalValue::ExternalLinkage, name, m);
    for (unsigned a = 0; a < 4; ++a) fn->addParamAttr(a, llvm::Attribute::NoAlias);
    llvm::Value* x_arg = fn->getArg(0);
    llvm::Value* buf_arg = fn->getArg(1);
    llvm::Value* params = fn->getArg(2);
    llvm::Value* outcome = fn->getArg(3);

    auto* entry = llvm::BasicBlock::Create(c, "entry", fn);
    auto* loop = llvm::BasicBlock::Create(c, "step", fn);
    auto* exit = llvm::BasicBlock::Create(c, "exit", fn);
    llvm::IRBuilder<> b(entry);

    // x, ∇f and the rule's state live in allocas of constant size: after the kernel is
    // inlined, SROA turns them into registers that stay live across steps.
    auto array = [&](std::size_t len, const char* what) {
        return b.CreateAlloca(llvm::ArrayType::get(f64, len), nullptr, what);
    };
    llvm::Value* x = array(n, "x");
    llvm::Value* buf = array(n + 1, "buf");
    const llvm::Align align(8);
    b.CreateMemCpy(x, align, x_arg, align, n * 8);
    b.CreateMemCpy(buf, align, buf_arg, align, (n + 1) * 8);
    auto field = [&](Field f, const char* what) {
        llvm::Type* t = f == MaxSteps ? i64 : f64;
        return b.CreateLoad(t, b.CreateStructGEP(params_ty, params, f), what);
    };
    llvm::Value* eta = field(Eta, "eta");
    llvm::Value* limit = field(Limit, "limit");
    llvm::Value* tol2 = field(Tol2, "tol2");
    llvm::Value* ftol = field(Ftol, "ftol");
    llvm::Value* beta = field(Beta, "beta");
    llvm::Value* beta1 = field(Beta1, "beta1");
    llvm::Value* beta2 = field(Beta2, "beta2");
    llvm::Value* eps = field(Epsilon, "eps");
    llvm::Value* rho = field(Rho, "rho");
    llvm::Value* max_steps = field(MaxSteps, "max_steps");
    llvm::Value* stop_flag = b.CreateLoad(ptr, b.CreateStructGEP(params_ty, params, StopFlag), "stop_flag");

    std::vector<llvm::Value*> state;  // v, or Adam's m and v, or RMSProp's s
    const std::size_t arrays = rule == DescentRule::Gd ? 0 : rule == DescentRule::Adam ? 2 : 1;
    for (std::size_t a = 0; a < arrays; ++a) {
        llvm::Value* s = array(n, "state");
        b.CreateMemSet(s, b.getInt8(0), n * 8, align);
        state.push_back(s);
    }
    llvm::Value* zero = llvm::ConstantFP::get(f64, 0.0);
    llvm::Value* one = llvm::ConstantFP::get(f64, 1.0);
    llvm::Value* f0 = b.CreateLoad(f64, b.CreateConstGEP2_64(llvm::ArrayType::get(f64, n + 1), buf, 0, 0));
    b.CreateBr(loop);

    // step: the head of run_first_order's for (;;)
    b.SetInsertPoint(loop);
    llvm::PHINode* k = b.CreatePHI(i64, 2, "k");
    llvm::PHINode* f_prev = b.CreatePHI(f64, 2, "f_prev");
    llvm::PHINode* b1t = b.CreatePHI(f64, 2, "b1t");  // β1^t, β2^t as running products
    llvm::PHINode* b2t = b.CreatePHI(f64, 2, "b2t");
    k->addIncoming(b.getInt64(0), entry);
    f_prev->addIncoming(f0, entry);
    b1t->addIncoming(one, entry);
    b2t->addIncoming(one, entry);

    llvm::Type* buf_ty = llvm::ArrayType::get(f64, n + 1);
    llvm::Type* x_ty = llvm::ArrayType::get(f64, n);
    auto at = [&](llvm::Type* ty, llvm::Value* base, std::size_t i) { return b.CreateConstGEP2_64(ty, base, 0, i); };
    auto load = [&](llvm::Type* ty, llvm::Value* base, std::size_t i) { return b.CreateLoad(f64, at(ty, base, i)); };
    auto store = [&](llvm::Value* v, llvm::Type* ty, llvm::Value* base, std::size_t i) {
        b.CreateStore(v, at(ty, base, i));
    };
    auto fabs = [&](llvm::Value* v) { return b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v); };
    auto sqrt = [&](llvm::Value* v) { return b.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, v); };

    struct Exit {
        llvm::BasicBlock* from;
        DescentStop why;
    };
    std::vector<Exit> exits;
    auto leave_if = [&](llvm::Value* cond, DescentStop why, const char* label) {
        auto* out = llvm::BasicBlock::Create(c, label, fn);
        auto* go_on = llvm::BasicBlock::Create(c, "go_on", fn);
        b.CreateCondBr(cond, out, go_on);
        b.SetInsertPoint(out);
        b.CreateBr(exit);
        exits.push_back({out, why});
        b.SetInsertPoint(go_on);
    };

    llvm::Value* f = load(buf_ty, buf, 0);
    // if (!(|f| <= limit)) diverged: an unordered compare is false for nan, as in C++
    leave_if(b.CreateNot(b.CreateFCmpOLE(fabs(f), limit)), DescentStop::Diverged, "diverged");
    llvm::Value* f_next_prev = f_prev;
    if (checked) {
        // norm2: four partial sums over chunks of four, the rest into the first
        llvm::Value* part[4] = {zero, zero, zero, zero};
        std::size_t i = 0;
        for (; i + 4 <= n; i += 4)
            for (std::size_t j = 0; j < 4; ++j) {
                llvm::Value* g = load(buf_ty, buf, 1 + i + j);
                part[j] = b.CreateFAdd(part[j], b.CreateFMul(g, g));
            }
        for (; i < n; ++i) {
            llvm::Value* g = load(buf_ty, buf, 1 + i);
            part[0] = b.CreateFAdd(part[0], b.CreateFMul(g, g));
        }
        llvm::Value* norm2 = b.CreateFAdd(b.CreateFAdd(part[0], part[1]), b.CreateFAdd(part[2], part[3]));
        leave_if(b.CreateAnd(b.CreateFCmpOGT(tol2, zero), b.CreateFCmpOLT(norm2, tol2)),
                 DescentStop::GradientTolerance, "grad_tol");
        llvm::Value* af = fabs(f);
        llvm::Value* scale = b.CreateSelect(b.CreateFCmpOLT(one, af), af, one);  // std::max(1.0, |f|)
        llvm::Value* small = b.CreateFCmpOLE(fabs(b.CreateFSub(f, f_prev)), b.CreateFMul(ftol, scale));
        llvm::Value* on = b.CreateAnd(b.CreateFCmpOGT(ftol, zero), b.CreateICmpUGT(k, b.getInt64(0)));
        leave_if(b.CreateAnd(on, small), DescentStop::FunctionTolerance, "f_tol");
        f_next_prev = f;
    }
    leave_if(b.CreateICmpEQ(k, max_steps), DescentStop::MaxSteps, "max_steps");
    {
        // Every 1024 steps: if (*stop != 0) stop as interrupted, at step k before its update.
        auto* poll = llvm::BasicBlock::Create(c, "poll", fn);
        auto* interrupted = llvm::BasicBlock::Create(c, "interrupted", fn);
        auto* update = llvm::BasicBlock::Create(c, "update", fn);
        llvm::Value* due = b.CreateICmpEQ(b.CreateAnd(k, b.getInt64(kStopPollMask)), b.getInt64(0));
        b.CreateCondBr(due, poll, update);
        b.SetInsertPoint(poll);
        llvm::LoadInst* flag = b.CreateLoad(i32, stop_flag, /*isVolatile=*/true, "stop");
        b.CreateCondBr(b.CreateICmpNE(flag, b.getInt32(0)), interrupted, update);
        b.SetInsertPoint(interrupted);
        b.CreateBr(exit);
        exits.push_back({interrupted, DescentStop::Interrupted});
        b.SetInsertPoint(update);
    }

    // rule.update(x, g, n, eta)
    llvm::Value* b1t_next = b1t;
    llvm::Value* b2t_next = b2t;
    llvm::Value* c1 = nullptr;
    llvm::Value* c2 = nullptr;
    if (rule == DescentRule::Adam) {
        b1t_next = b.CreateFMul(b1t, beta1);
        b2t_next = b.CreateFMul(b2t, beta2);
        c1 = b.CreateFDiv(one, b.CreateFSub(one, b1t_next));
        c2 = b.CreateFDiv(one, b.CreateFSub(one, b2t_next));
    }
    for (std::size_t i = 0; i < n; ++i) {
        llvm::Value* g = load(buf_ty, buf, 1 + i);
        llvm::Value* xi = load(x_ty, x, i);
        llvm::Value* xn = nullptr;
        switch (rule) {
        case DescentRule::Gd:  // x -= eta*g
            xn = b.CreateFSub(xi, b.CreateFMul(eta, g));
            break;
        case DescentRule::MomentumAccumulate: {  // v = beta*v + g; x -= eta*v
            llvm::Value* v = b.CreateFAdd(b.CreateFMul(beta, load(x_ty, state[0], i)), g);
            store(v, x_ty, state[0], i);
            xn = b.CreateFSub(xi, b.CreateFMul(eta, v));
            break;
        }
        case DescentRule::MomentumVelocity: {  // v = beta*v - eta*g; x += v
            llvm::Value* v = b.CreateFSub(b.CreateFMul(beta, load(x_ty, state[0], i)), b.CreateFMul(eta, g));
            store(v, x_ty, state[0], i);
            xn = b.CreateFAdd(xi, v);
            break;
        }
        case DescentRule::Nesterov: {  // v = beta*v + g; x -= eta*(g + beta*v)
            llvm::Value* v = b.CreateFAdd(b.CreateFMul(beta, load(x_ty, state[0], i)), g);
            store(v, x_ty, state[0], i);
            xn = b.CreateFSub(xi, b.CreateFMul(eta, b.CreateFAdd(g, b.CreateFMul(beta, v))));
            break;
        }
        case DescentRule::Adam: {  // m, v moments; x -= eta*(m*c1)/(sqrt(v*c2) + eps)
            llvm::Value* mm = b.CreateFAdd(b.CreateFMul(beta1, load(x_ty, state[0], i)),
                                           b.CreateFMul(b.CreateFSub(one, beta1), g));
            llvm::Value* vv = b.CreateFAdd(b.CreateFMul(beta2, load(x_ty, state[1], i)),
                                           b.CreateFMul(b.CreateFSub(one, beta2), b.CreateFMul(g, g)));
            store(mm, x_ty, state[0], i);
            store(vv, x_ty, state[1], i);
            llvm::Value* step = b.CreateFDiv(b.CreateFMul(eta, b.CreateFMul(mm, c1)),
                                             b.CreateFAdd(sqrt(b.CreateFMul(vv, c2)), eps));
            xn = b.CreateFSub(xi, step);
            break;
        }
        case DescentRule::RmsProp: {  // s = rho*s + (1-rho)*g²; x -= eta*g/(sqrt(s) + eps)
            llvm::Value* s = b.CreateFAdd(b.CreateFMul(rho, load(x_ty, state[0], i)),
                                          b.CreateFMul(b.CreateFSub(one, rho), b.CreateFMul(g, g)));
            store(s, x_ty, state[0], i);
            xn = b.CreateFSub(xi, b.CreateFDiv(b.CreateFMul(eta, g), b.CreateFAdd(sqrt(s), eps)));
            break;
        }
        }
        store(xn, x_ty, x, i);
    }
    llvm::Value* k1 = b.CreateAdd(k, b.getInt64(1), "k1");
    b.CreateCall(kernel, {x, buf});
    llvm::BasicBlock* latch = b.GetInsertBlock();
    k->addIncoming(k1, latch);
    f_prev->addIncoming(f_next_prev, latch);
    b1t->addIncoming(b1t_next, latch);
    b2t->addIncoming(b2t_next, latch);
    b.CreateBr(loop);

    // exit: hand x and the last evaluation back, with the step count and the reason
    b.SetInsertPoint(exit);
    llvm::PHINode* why = b.CreatePHI(i32, static_cast<unsigned>(exits.size()), "why");
    for (const Exit& e : exits) why->addIncoming(b.getInt32(static_cast<std::uint32_t>(e.why)), e.from);
    // DescentOutcome: the reason as i32 at offset 0, f_prev as a double at offset 8
    llvm::StructType* outcome_ty = llvm::StructType::get(c, {i32, f64});
    b.CreateStore(why, b.CreateStructGEP(outcome_ty, outcome, 0));
    b.CreateStore(f_prev, b.CreateStructGEP(outcome_ty, outcome, 1));
    b.CreateMemCpy(x_arg, align, x, align, n * 8);
    b.CreateMemCpy(buf_arg, align, buf, align, (n + 1) * 8);
    b.CreateRet(k);

    std::string problems;
    llvm::raw_string_ostream os(problems);
    if (llvm::verifyFunction(*fn, &os))
        return llvm::createStringError(llvm::inconvertibleErrorCode(), "descent loop does not verify: " + os.str());
    return llvm::Error::success();
}

} // namespace symdiff::detail
