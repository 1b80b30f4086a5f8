// LoopPlan -> LLVM IR. One function runs the plan's phases in order: the outer values of a
// phase as straight-line code, then each fused loop of the phase:
//
//   checks      bounds and guard bounds are integers, the extreme indices of every x[t + c]
//               are in range (once, from the bounds: t + c is monotonic in t)
//   segments    the union of the members' ranges, cut at every bound of a member or of a guard
//               on t, so that in a segment each member is on or off and each guard holds or
//               not throughout. A segment whose reads all fall inside their vectors runs
//               four lanes at a time in <4 x double> (lane l computing t + l) with those
//               conditions fixed: no per-element test, guards and members selected by a
//               condition that does not change in the loop. The rest of a segment (fewer
//               than four elements), and a segment that would read outside a vector (x[k - 1]
//               at k = 1, kept from use by a guard), run one element at a time with every
//               test and reads of absent elements replaced by 0.
//
// For extended Rosenbrock f + ∇f that is one pass over x: elements 1 and n one at a time, and
// 2..n-1 in vectors with the value and both gradient terms sharing x[k+1] - x[k]^2.
//
// Summation order: a sum over lo..hi is the interpreter's four partial sums s[(t - lo) mod 4]
// (docs/reductions.md). Element at a time, a term is added into a four-double array at that
// index; a vector loop starting at t0 holds s[(t0 - lo + l) mod 4] in lane l, loaded from and
// stored back to the array rotated by (t0 - lo) mod 4. Every partial sum therefore receives
// the same terms in the same order as in the interpreter, and the results agree bit for bit.
#include "codegen/loop_codegen.hpp"

#include <array>
#include <unordered_map>

#include <llvm/IR/BasicBlock.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include "codegen/llvm_codegen.hpp"
#include "codegen/tape.hpp"

namespace symdiff::detail {

namespace {

constexpr unsigned kLanes = 4;

class LoopEmitter {
public:
    LoopEmitter(llvm::Module& m, const LoopPlan& plan, const JitOptions& options, std::vector<LoopFault>& faults)
        : m_(m), c_(m.getContext()), b_(c_), plan_(plan), options_(options), faults_(faults) {
        dbl_ = llvm::Type::getDoubleTy(c_);
        i64_ = llvm::Type::getInt64Ty(c_);
        ptr_ = llvm::PointerType::getUnqual(c_);
        vec_ = llvm::FixedVectorType::get(dbl_, kLanes);
        b_.setFastMathFlags(fp_flags(options_));
    }

    llvm::Function* emit(const std::string& name) {
        auto* ty = llvm::FunctionType::get(i64_, {ptr_, ptr_, ptr_, ptr_, ptr_, ptr_}, false);
        f_ = llvm::Function::Create(ty, llvm::Function::ExternalLinkage, name, m_);
        f_->setDoesNotThrow();
        f_->setWillReturn();
        f_->setNoSync();
        f_->setDoesNotFreeMemory();
        const char* names[] = {"scalars", "vectors", "lengths", "out", "vector_out", "err"};
        for (unsigned a = 0; a < 6; ++a) {
            f_->getArg(a)->setName(names[a]);
            f_->addParamAttr(a, llvm::Attribute::NoAlias);
            f_->addParamAttr(a, llvm::Attribute::NoCapture);
        }
        for (unsigned a : {0u, 1u, 2u, 4u}) f_->addParamAttr(a, llvm::Attribute::ReadOnly);
        b_.SetInsertPoint(llvm::BasicBlock::Create(c_, "entry", f_));
        dummy_in_ = b_.CreateAlloca(dbl_, nullptr, "nothing");
        dummy_out_ = b_.CreateAlloca(dbl_, nullptr, "discard");
        dummy_lanes_ = b_.CreateAlloca(vec_, nullptr, "discard.lanes");
        b_.CreateStore(llvm::ConstantFP::get(dbl_, 0.0), dummy_in_);
        for (std::size_t j = 0; j < plan_.n_vectors; ++j) {
            base_.push_back(load_ptr(f_->getArg(1), j, "x" + std::to_string(j)));
            len_.push_back(b_.CreateLoad(i64_, b_.CreateConstInBoundsGEP1_64(i64_, f_->getArg(2), j), "len" + std::to_string(j)));
        }
        for (std::size_t j = 0; j < plan_.vector_outputs.size(); ++j)
            vout_.push_back(load_ptr(f_->getArg(4), j, "vout" + std::to_string(j)));
        outer_.assign(plan_.outer.size(), nullptr);
        results_.assign(plan_.members.size(), nullptr);
        for (std::uint32_t p = 0; p < plan_.phases; ++p) {
            std::uint32_t begin = p == 0 ? 0 : plan_.phase_end[p - 1];
            for (std::uint32_t i = begin; i < plan_.phase_end[p]; ++i) outer(plan_.schedule[i]);
            for (const Group& g : plan_.groups)
                if (g.phase == p) group(g);
        }
        for (std::size_t i = 0; i < plan_.scalar_outputs.size(); ++i)
            b_.CreateStore(outer_[plan_.scalar_outputs[i]], b_.CreateConstInBoundsGEP1_64(dbl_, f_->getArg(3), i));
        b_.CreateRet(b_.getInt64(0));
        return f_;
    }

private:
    llvm::Value* load_ptr(llvm::Value* array, std::size_t j, const std::string& name) {
        return b_.CreateLoad(ptr_, b_.CreateConstInBoundsGEP1_64(ptr_, array, j), name);
    }

    // The loops are already in their final shape: the middle one written in vectors, the
    // others cold. LLVM's vectoriser would only add runtime checks and compile time.
    void mark_loop(llvm::Instruction* latch_branch, bool unroll) {
        llvm::SmallVector<llvm::Metadata*, 3> ops;
        ops.push_back(nullptr);
        ops.push_back(llvm::MDNode::get(c_, {llvm::MDString::get(c_, "llvm.loop.vectorize.enable"),
                                             llvm::ConstantAsMetadata::get(b_.getFalse())}));
        if (!unroll) ops.push_back(llvm::MDNode::get(c_, {llvm::MDString::get(c_, "llvm.loop.unroll.disable")}));
        llvm::MDNode* id = llvm::MDNode::getDistinct(c_, ops);
        id->replaceOperandWith(0, id);
        latch_branch->setMetadata(llvm::LLVMContext::MD_loop, id);
    }

    llvm::Value* cst(llvm::Type* t, double v) { return llvm::ConstantFP::get(t, v); }
    llvm::Value* i64c(std::int64_t v) { return b_.getInt64(static_cast<std::uint64_t>(v)); }
    llvm::Value* smin(llvm::Value* a, llvm::Value* b) { return b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, a, b); }
    llvm::Value* smax(llvm::Value* a, llvm::Value* b) { return b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, a, b); }
    // max_step of loop_plan.hpp, on scalars or lanes: term > acc ? term : acc.
    llvm::Value* max_step(llvm::Value* acc, llvm::Value* term) {
        return b_.CreateSelect(b_.CreateFCmpOGT(term, acc), term, acc);
    }

    // ok, or return 1 + the fault's index after `record` has filled err.
    template <class Record>
    void check(llvm::Value* ok, const LoopFault& fault, Record&& record) {
        auto* fail = llvm::BasicBlock::Create(c_, "fail", f_);
        auto* cont = llvm::BasicBlock::Create(c_, "ok", f_);
        llvm::MDBuilder md(c_);
        b_.CreateCondBr(ok, cont, fail, md.createBranchWeights(1u << 20, 1));
        b_.SetInsertPoint(fail);
        record(f_->getArg(5));
        faults_.push_back(fault);
        b_.CreateRet(i64c(static_cast<std::int64_t>(faults_.size())));
        b_.SetInsertPoint(cont);
    }
    void store_err(llvm::Value* err, unsigned i, llvm::Value* v) {
        b_.CreateStore(v, b_.CreateConstInBoundsGEP1_64(i64_, err, i));
    }

    // v is an integer a loop can count to: v == trunc(v) and |v| < 2^53 (is_loop_integer).
    llvm::Value* is_integer(llvm::Value* v) {
        llvm::Value* t = b_.CreateUnaryIntrinsic(llvm::Intrinsic::trunc, v);
        llvm::Value* a = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v);
        return b_.CreateAnd(b_.CreateFCmpOEQ(v, t), b_.CreateFCmpOLT(a, cst(dbl_, 9007199254740992.0)));
    }
    llvm::Value* integer(const IntCheck& c) {
        llvm::Value* v = outer_[c.slot];
        check(is_integer(v), LoopFault{.kind = LoopFault::NotInteger, .check = c},
              [&](llvm::Value* err) { store_err(err, 0, v); });
        return b_.CreateFPToSI(v, i64_);
    }

    // The kernels' lowering of one op (tape.cpp), on scalars or on <4 x double>.
    llvm::Value* apply(const PInst& p, llvm::Value* a, llvm::Value* b) {
        auto [it, fresh] = lowered_.try_emplace(p.node);
        if (fresh) it->second = lower_op((*plan_.ctx)[p.node]);
        const Tape& t = it->second;
        llvm::Type* ty = a->getType();
        std::vector<llvm::Value*> v(t.code.size(), nullptr);
        for (std::size_t i = 0; i < t.code.size(); ++i) {
            const TapeInst& x = t.code[i];
            llvm::Value* r = nullptr;
            switch (x.op) {
            case TapeOp::Const: r = cst(ty, x.value); break;
            case TapeOp::Input: r = x.index == 0 ? a : b; break;
            case TapeOp::Add: r = b_.CreateFAdd(v[x.a], v[x.b]); break;
            case TapeOp::Sub: r = b_.CreateFSub(v[x.a], v[x.b]); break;
            case TapeOp::Mul: r = b_.CreateFMul(v[x.a], v[x.b]); break;
            case TapeOp::Div: r = b_.CreateFDiv(v[x.a], v[x.b]); break;
            case TapeOp::Neg: r = b_.CreateFNeg(v[x.a]); break;
            case TapeOp::Sqrt: r = b_.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, v[x.a]); break;
            case TapeOp::Fabs: r = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v[x.a]); break;
            case TapeOp::Call: r = libm(x.fn, v[x.a], libm_arity(x.fn) == 2 ? v[x.b] : nullptr); break;
            case TapeOp::CmpGt: r = b_.CreateFCmpOGT(v[x.a], v[x.b]); break;
            case TapeOp::CmpGe: r = b_.CreateFCmpOGE(v[x.a], v[x.b]); break;
            case TapeOp::CmpLt: r = b_.CreateFCmpOLT(v[x.a], v[x.b]); break;
            case TapeOp::CmpEq: r = b_.CreateFCmpOEQ(v[x.a], v[x.b]); break;
            case TapeOp::CmpUno: r = b_.CreateFCmpUNO(v[x.a], v[x.b]); break;
            case TapeOp::Select: r = b_.CreateSelect(v[x.index], v[x.a], v[x.b]); break;
            case TapeOp::Store: return v[x.a];
            }
            v[i] = r;
        }
        return nullptr; // a lowered op always ends in its Store
    }

    // libm has no vector entry points the interpreter calls: one call per lane.
    llvm::Value* libm(Libm fn, llvm::Value* a, llvm::Value* b) {
        if (!a->getType()->isVectorTy()) {
            llvm::Value* args[] = {a, b};
            return call_libm(b_, m_, fn, llvm::ArrayRef<llvm::Value*>(args, b ? 2 : 1), options_.fast_math);
        }
        llvm::Value* r = llvm::PoisonValue::get(vec_);
        for (unsigned l = 0; l < kLanes; ++l) {
            llvm::Value* args[] = {b_.CreateExtractElement(a, l), b ? b_.CreateExtractElement(b, l) : nullptr};
            llvm::Value* x = call_libm(b_, m_, fn, llvm::ArrayRef<llvm::Value*>(args, b ? 2 : 1), options_.fast_math);
            r = b_.CreateInsertElement(r, x, l);
        }
        return r;
    }

    void outer(std::uint32_t s) {
        const PInst& p = plan_.outer[s];
        llvm::Value* v = nullptr;
        switch (p.kind) {
        case PK::Const: v = cst(dbl_, p.value); break;
        case PK::Scalar: v = b_.CreateLoad(dbl_, b_.CreateConstInBoundsGEP1_64(dbl_, f_->getArg(0), p.j)); break;
        case PK::Len: v = b_.CreateSIToFP(len_[p.j], dbl_); break;
        case PK::Read: {
            llvm::Value* k = outer_[p.a];
            check(is_integer(k), LoopFault{.kind = LoopFault::IndexNotInteger, .at = p.node},
                  [&](llvm::Value* err) { store_err(err, 0, k); });
            llvm::Value* i = b_.CreateFPToSI(k, i64_);
            llvm::Value* len = len_[p.j];
            check(b_.CreateAnd(b_.CreateICmpSGE(i, i64c(1)), b_.CreateICmpSLE(i, len)),
                  LoopFault{.kind = LoopFault::OutOfRange, .at = p.node}, [&](llvm::Value* err) {
                      store_err(err, 1, i);
                      store_err(err, 2, len);
                  });
            v = b_.CreateLoad(dbl_, b_.CreateInBoundsGEP(dbl_, base_[p.j], b_.CreateSub(i, i64c(1))));
            break;
        }
        case PK::Result: v = results_[p.j]; break;
        case PK::Add: v = b_.CreateFAdd(outer_[p.a], outer_[p.b]); break;
        case PK::Mul: v = b_.CreateFMul(outer_[p.a], outer_[p.b]); break;
        case PK::Apply: v = apply(p, outer_[p.a], outer_[p.b]); break;
        case PK::Guard: {
            const GuardInfo& g = plan_.outer_guards[p.j];
            Expr ge = (*plan_.ctx)[g.node];
            llvm::Value* k = integer({g.k, ge[0].id(), "guard index"});
            llvm::Value* lo = integer({g.lo, ge[1].id(), "guard bound"});
            llvm::Value* hi = integer({g.hi, ge[2].id(), "guard bound"});
            llvm::Value* holds = b_.CreateAnd(b_.CreateICmpSLE(lo, k), b_.CreateICmpSLE(k, hi));
            v = b_.CreateSelect(holds, outer_[p.a], cst(dbl_, 0.0));
            break;
        }
        case PK::Outer: case PK::Index: case PK::Load: case PK::Column: break; // never outer
        }
        outer_[s] = v;
    }

    struct Ranges {
        std::vector<llvm::Value*> lo, hi;      // per member
        std::vector<llvm::Value*> glo, ghi;    // per guard (on the loop variable)
        std::vector<llvm::Value*> holds;       // per guard (invariant ones)
        std::vector<llvm::Value*> partial;     // per member: [4 x double] of partial sums
        // In the current segment: whether each member is active and each guard on t holds
        // (null: always, as for the members of a row loop).
        std::vector<llvm::Value*> seg_active, seg_holds;
    };

    // The body at t, one element with every test (guarded) or four lanes with none (middle).
    // Returns the value of every body slot.
    std::vector<llvm::Value*> body(const Group& g, const Ranges& r, llvm::Value* t, bool lanes) {
        llvm::Type* ty = lanes ? static_cast<llvm::Type*>(vec_) : dbl_;
        std::vector<llvm::Value*> v(g.body.size(), nullptr);
        for (std::size_t s = 0; s < g.body.size(); ++s) {
            const PInst& p = g.body[s];
            llvm::Value* x = nullptr;
            switch (p.kind) {
            case PK::Const: x = cst(ty, p.value); break;
            case PK::Outer: x = lanes ? b_.CreateVectorSplat(kLanes, outer_[p.a]) : outer_[p.a]; break;
            case PK::Index:
                if (lanes) {
                    llvm::Value* ts = b_.CreateVectorSplat(kLanes, t);
                    llvm::Value* step = llvm::ConstantVector::get(
                        {b_.getInt64(0), b_.getInt64(1), b_.getInt64(2), b_.getInt64(3)});
                    x = b_.CreateSIToFP(b_.CreateAdd(ts, step), vec_);
                } else {
                    x = b_.CreateSIToFP(t, dbl_);
                }
                break;
            case PK::Load: {
                llvm::Value* i = b_.CreateAdd(t, i64c(p.c - 1)); // zero-based element of t + c
                llvm::Value* at = b_.CreateInBoundsGEP(dbl_, base_[p.j], i);
                if (lanes) {
                    x = b_.CreateAlignedLoad(vec_, at, llvm::Align(8));
                } else {
                    // Outside the checked range (where a guard or the member is off, so the
                    // value is discarded) read a zero instead of memory that may not exist.
                    llvm::Value* in = b_.CreateAnd(b_.CreateICmpSGE(i, i64c(0)), b_.CreateICmpSLT(i, len_[p.j]));
                    x = b_.CreateLoad(dbl_, b_.CreateSelect(in, at, dummy_in_));
                }
                break;
            }
            case PK::Column: {
                llvm::Value* at = b_.CreateInBoundsGEP(dbl_, base_[p.j], t);
                x = lanes ? b_.CreateAlignedLoad(vec_, at, llvm::Align(8)) : b_.CreateLoad(dbl_, at);
                break;
            }
            case PK::Add: x = b_.CreateFAdd(v[p.a], v[p.b]); break;
            case PK::Mul: x = b_.CreateFMul(v[p.a], v[p.b]); break;
            case PK::Apply: x = apply(p, v[p.a], v[p.b]); break;
            case PK::Guard: {
                const GuardInfo& gi = g.guards[p.j];
                llvm::Value* zero = cst(ty, 0.0);
                if (!gi.on_loop_var) {
                    x = b_.CreateSelect(r.holds[p.j], v[p.a], zero);
                } else if (lanes) {
                    x = b_.CreateSelect(r.seg_holds[p.j], v[p.a], zero); // fixed over the segment
                } else {
                    llvm::Value* in = b_.CreateAnd(b_.CreateICmpSLE(r.glo[p.j], t), b_.CreateICmpSLE(t, r.ghi[p.j]));
                    x = b_.CreateSelect(in, v[p.a], zero);
                }
                break;
            }
            case PK::Scalar: case PK::Len: case PK::Read: case PK::Result: break; // never in a body
            }
            v[s] = x;
        }
        return v;
    }

    // One element at a time over [from, to], every member and guard tested.
    void guarded_loop(const Group& g, const Ranges& r, llvm::Value* from, llvm::Value* to, const char* name) {
        llvm::BasicBlock* pre = b_.GetInsertBlock();
        auto* loop = llvm::BasicBlock::Create(c_, name, f_);
        auto* done = llvm::BasicBlock::Create(c_, std::string(name) + ".done", f_);
        b_.CreateCondBr(b_.CreateICmpSLE(from, to), loop, done);
        b_.SetInsertPoint(loop);
        llvm::PHINode* t = b_.CreatePHI(i64_, 2, "t");
        t->addIncoming(from, pre);
        std::vector<llvm::Value*> v = body(g, r, t, false);
        for (std::size_t m = 0; m < g.members.size(); ++m) {
            const Member& mem = plan_.members[g.members[m]];
            llvm::Value* term = v[mem.term];
            llvm::Value* active = b_.CreateAnd(b_.CreateICmpSLE(r.lo[m], t), b_.CreateICmpSLE(t, r.hi[m]));
            llvm::Value* off = b_.CreateSub(t, r.lo[m]);
            if (mem.op == Op::Vec) {
                for (std::uint32_t o : mem.outputs) {
                    llvm::Value* at = b_.CreateInBoundsGEP(dbl_, vout_[o], off);
                    b_.CreateStore(term, b_.CreateSelect(active, at, dummy_out_));
                }
            } else {
                llvm::Value* at = b_.CreateInBoundsGEP(dbl_, r.partial[m], b_.CreateAnd(off, i64c(3)));
                llvm::Value* old = b_.CreateLoad(dbl_, at);
                llvm::Value* now = is_max_loop(mem.op) ? max_step(old, term) : b_.CreateFAdd(old, term);
                b_.CreateStore(b_.CreateSelect(active, now, old), at);
            }
        }
        llvm::Value* next = b_.CreateAdd(t, i64c(1), "", true, true);
        t->addIncoming(next, b_.GetInsertBlock());
        mark_loop(b_.CreateCondBr(b_.CreateICmpSLE(next, to), loop, done), false);
        b_.SetInsertPoint(done);
    }

    // Four lanes per iteration over [from, from + count), count a multiple of 4, no tests.
    void middle_loop(const Group& g, const Ranges& r, llvm::Value* from, llvm::Value* count) {
        llvm::Value* end = b_.CreateAdd(from, count);
        // The accumulators, lane l holding s[(from - lo + l) mod 4].
        std::vector<llvm::Value*> init(g.members.size(), nullptr);
        std::vector<std::array<llvm::Value*, kLanes>> lane_at(g.members.size());
        for (std::size_t m = 0; m < g.members.size(); ++m) {
            const Member& mem = plan_.members[g.members[m]];
            if (mem.op == Op::Vec) continue;
            llvm::Value* rot = b_.CreateSub(from, r.lo[m]);
            llvm::Value* acc = llvm::PoisonValue::get(vec_);
            for (unsigned l = 0; l < kLanes; ++l) {
                llvm::Value* q = b_.CreateAnd(b_.CreateAdd(rot, i64c(l)), i64c(3));
                lane_at[m][l] = b_.CreateInBoundsGEP(dbl_, r.partial[m], q);
                acc = b_.CreateInsertElement(acc, b_.CreateLoad(dbl_, lane_at[m][l]), l);
            }
            init[m] = acc;
        }
        llvm::BasicBlock* pre = b_.GetInsertBlock();
        auto* loop = llvm::BasicBlock::Create(c_, "middle", f_);
        auto* done = llvm::BasicBlock::Create(c_, "middle.done", f_);
        b_.CreateCondBr(b_.CreateICmpSGT(count, i64c(0)), loop, done);
        b_.SetInsertPoint(loop);
        llvm::PHINode* t = b_.CreatePHI(i64_, 2, "t");
        t->addIncoming(from, pre);
        std::vector<llvm::PHINode*> acc(g.members.size(), nullptr);
        for (std::size_t m = 0; m < g.members.size(); ++m) {
            if (!init[m]) continue;
            acc[m] = b_.CreatePHI(vec_, 2, "acc");
            acc[m]->addIncoming(init[m], pre);
        }
        std::vector<llvm::Value*> v = body(g, r, t, true);
        std::vector<llvm::Value*> next_acc(g.members.size(), nullptr);
        for (std::size_t m = 0; m < g.members.size(); ++m) {
            const Member& mem = plan_.members[g.members[m]];
            llvm::Value* term = v[mem.term];
            llvm::Value* active = r.seg_active[m];
            if (mem.op == Op::Vec) {
                for (std::uint32_t o : mem.outputs) {
                    llvm::Value* at = b_.CreateInBoundsGEP(dbl_, vout_[o], b_.CreateSub(t, r.lo[m]));
                    if (active) at = b_.CreateSelect(active, at, dummy_lanes_);
                    b_.CreateAlignedStore(term, at, llvm::Align(8));
                }
            } else if (is_max_loop(mem.op)) {
                // An inactive member offers the identity, which never wins.
                if (active) term = b_.CreateSelect(active, term, cst(vec_, kMaxIdentity));
                next_acc[m] = max_step(acc[m], term);
            } else {
                // An inactive member adds +0.0, which leaves a partial sum unchanged: it starts
                // at +0.0 and a sum of doubles is -0.0 only when both terms are, so a partial sum
                // is never -0.0. Selecting the term keeps the select off the accumulator's chain.
                if (active) term = b_.CreateSelect(active, term, cst(vec_, 0.0));
                next_acc[m] = b_.CreateFAdd(acc[m], term);
            }
        }
        llvm::Value* next = b_.CreateAdd(t, i64c(kLanes), "", true, true);
        llvm::BasicBlock* latch = b_.GetInsertBlock();
        t->addIncoming(next, latch);
        for (std::size_t m = 0; m < g.members.size(); ++m)
            if (acc[m]) acc[m]->addIncoming(next_acc[m], latch);
        mark_loop(b_.CreateCondBr(b_.CreateICmpSLT(next, end), loop, done), true);
        b_.SetInsertPoint(done);
        std::vector<llvm::PHINode*> fin(g.members.size(), nullptr);
        for (std::size_t m = 0; m < g.members.size(); ++m) {
            if (!init[m]) continue;
            fin[m] = b_.CreatePHI(vec_, 2, "acc.out");
            fin[m]->addIncoming(init[m], pre);
            fin[m]->addIncoming(next_acc[m], latch);
        }
        for (std::size_t m = 0; m < g.members.size(); ++m)
            if (fin[m])
                for (unsigned l = 0; l < kLanes; ++l)
                    b_.CreateStore(b_.CreateExtractElement(fin[m], l), lane_at[m][l]);
    }

    void group(const Group& g) {
        for (const IntCheck& c : g.int_checks) integer(c); // in the plan's order, as the interpreter
        const std::size_t nm = g.members.size();
        Ranges r;
        r.lo.resize(nm);
        r.hi.resize(nm);
        llvm::Value* first = i64c(0);
        llvm::Value* last = i64c(-1);
        if (g.rows) {
            llvm::Value* rows = i64c(0);
            for (std::size_t m = 0; m < nm; ++m) {
                const Member& mem = plan_.members[g.members[m]];
                llvm::Value* la = len_[mem.columns[0]];
                for (std::size_t k = 1; k < mem.columns.size(); ++k)
                    check(b_.CreateICmpEQ(len_[mem.columns[k]], la),
                          LoopFault{.kind = LoopFault::Columns, .member = g.members[m]}, [](llvm::Value*) {});
                if (mem.op == Op::RowMean)
                    check(b_.CreateICmpNE(la, i64c(0)), LoopFault{.kind = LoopFault::NoRows, .member = g.members[m]},
                          [](llvm::Value*) {});
                rows = la;
            }
            last = b_.CreateSub(rows, i64c(1));
            for (std::size_t m = 0; m < nm; ++m) r.lo[m] = first, r.hi[m] = last;
        } else {
            llvm::Value* any = b_.getFalse();
            for (std::size_t m = 0; m < nm; ++m) {
                const Member& mem = plan_.members[g.members[m]];
                r.lo[m] = b_.CreateFPToSI(outer_[mem.lo], i64_);
                r.hi[m] = b_.CreateFPToSI(outer_[mem.hi], i64_);
                llvm::Value* live = b_.CreateICmpSLE(r.lo[m], r.hi[m]);
                first = b_.CreateSelect(live, b_.CreateSelect(any, smin(first, r.lo[m]), r.lo[m]), first);
                last = b_.CreateSelect(live, b_.CreateSelect(any, smax(last, r.hi[m]), r.hi[m]), last);
                any = b_.CreateOr(any, live);
            }
        }
        const std::size_t ng = g.guards.size();
        r.glo.resize(ng);
        r.ghi.resize(ng);
        r.holds.resize(ng);
        for (std::size_t k = 0; k < ng; ++k) {
            const GuardInfo& gi = g.guards[k];
            r.glo[k] = b_.CreateFPToSI(outer_[gi.lo], i64_);
            r.ghi[k] = b_.CreateFPToSI(outer_[gi.hi], i64_);
            if (!gi.on_loop_var) {
                llvm::Value* kv = b_.CreateFPToSI(outer_[gi.k], i64_);
                r.holds[k] = b_.CreateAnd(b_.CreateICmpSLE(r.glo[k], kv), b_.CreateICmpSLE(kv, r.ghi[k]));
            }
        }
        for (const RangeCheck& rc : g.range_checks) range_check(g, r, rc);

        r.partial.assign(nm, nullptr);
        {
            llvm::IRBuilderBase::InsertPoint here = b_.saveIP();
            b_.SetInsertPoint(&f_->getEntryBlock(), f_->getEntryBlock().begin());
            for (std::size_t m = 0; m < nm; ++m)
                if (plan_.members[g.members[m]].op != Op::Vec)
                    r.partial[m] = b_.CreateAlloca(llvm::ArrayType::get(dbl_, kLanes), nullptr, "partial");
            b_.restoreIP(here);
        }
        for (std::size_t m = 0; m < nm; ++m)
            if (r.partial[m]) {
                const double start = is_max_loop(plan_.members[g.members[m]].op) ? kMaxIdentity : 0.0;
                for (unsigned l = 0; l < kLanes; ++l)
                    b_.CreateStore(cst(dbl_, start), b_.CreateConstInBoundsGEP1_64(dbl_, r.partial[m], l));
            }
        segments(g, r, first, last);
        for (std::size_t m = 0; m < nm; ++m) {
            const Member& mem = plan_.members[g.members[m]];
            if (mem.op == Op::Vec) continue;
            llvm::Value* s[kLanes];
            for (unsigned l = 0; l < kLanes; ++l)
                s[l] = b_.CreateLoad(dbl_, b_.CreateConstInBoundsGEP1_64(dbl_, r.partial[m], l));
            if (is_max_loop(mem.op)) {
                // max_result of loop_plan.hpp.
                llvm::Value* mx = max_step(max_step(s[0], s[1]), max_step(s[2], s[3]));
                llvm::Value* none = b_.CreateFCmpOEQ(mx, cst(dbl_, kMaxIdentity));
                results_[g.members[m]] = b_.CreateSelect(none, cst(dbl_, 0.0), b_.CreateFAdd(mx, cst(dbl_, 0.0)));
                continue;
            }
            llvm::Value* sum = b_.CreateFAdd(b_.CreateFAdd(s[0], s[1]), b_.CreateFAdd(s[2], s[3]));
            if (mem.op == Op::RowMean) sum = b_.CreateFDiv(sum, b_.CreateSIToFP(b_.CreateAdd(last, i64c(1)), dbl_));
            results_[g.members[m]] = sum;
        }
    }

    // The loop over first..last, cut at every bound of a member or of a guard on t into
    // segments where each of them is either on or off throughout. A segment whose elements
    // all read inside their vectors runs four lanes at a time with those conditions fixed;
    // the rest of it (fewer than four), and a segment that would read outside (the ends of
    // x[k - 1] and x[k + 1], which guards keep from being used), one element at a time.
    void segments(const Group& g, Ranges& r, llvm::Value* first, llvm::Value* last) {
        std::vector<std::pair<llvm::Value*, llvm::Value*>> bounds;
        for (std::size_t m = 0; m < g.members.size(); ++m) bounds.emplace_back(r.lo[m], r.hi[m]);
        for (std::size_t k = 0; k < g.guards.size(); ++k)
            if (g.guards[k].on_loop_var) bounds.emplace_back(r.glo[k], r.ghi[k]);
        llvm::BasicBlock* pre = b_.GetInsertBlock();
        auto* head = llvm::BasicBlock::Create(c_, "segment", f_);
        auto* work = llvm::BasicBlock::Create(c_, "segment.work", f_);
        auto* done = llvm::BasicBlock::Create(c_, "segments.done", f_);
        b_.CreateBr(head);
        b_.SetInsertPoint(head);
        llvm::PHINode* t = b_.CreatePHI(i64_, 2, "segment.lo");
        t->addIncoming(first, pre);
        b_.CreateCondBr(b_.CreateICmpSLE(t, last), work, done);
        b_.SetInsertPoint(work);
        // The segment is t .. end - 1: end is the first bound after t.
        llvm::Value* end = b_.CreateAdd(last, i64c(1));
        for (auto [a, z] : bounds) {
            llvm::Value* z1 = b_.CreateAdd(z, i64c(1));
            end = smin(end, b_.CreateSelect(b_.CreateICmpSGT(a, t), a, end));
            end = smin(end, b_.CreateSelect(b_.CreateICmpSGT(z1, t), z1, end));
        }
        r.seg_active.assign(g.members.size(), nullptr);
        if (!g.rows) // rows: every member runs over every row
            for (std::size_t m = 0; m < g.members.size(); ++m)
                r.seg_active[m] = b_.CreateAnd(b_.CreateICmpSLE(r.lo[m], t), b_.CreateICmpSLE(t, r.hi[m]));
        r.seg_holds.assign(g.guards.size(), nullptr);
        for (std::size_t k = 0; k < g.guards.size(); ++k)
            if (g.guards[k].on_loop_var)
                r.seg_holds[k] = b_.CreateAnd(b_.CreateICmpSLE(r.glo[k], t), b_.CreateICmpSLE(t, r.ghi[k]));
        llvm::Value* safe = b_.getTrue();
        llvm::Value* last_t = b_.CreateSub(end, i64c(1));
        for (const PInst& p : g.body) {
            if (p.kind != PK::Load) continue;
            safe = b_.CreateAnd(safe, b_.CreateICmpSGE(b_.CreateAdd(t, i64c(p.c)), i64c(1)));
            safe = b_.CreateAnd(safe, b_.CreateICmpSLE(b_.CreateAdd(last_t, i64c(p.c)), len_[p.j]));
        }
        llvm::Value* count = b_.CreateAnd(b_.CreateSub(end, t), i64c(~std::int64_t{3}));
        count = b_.CreateSelect(safe, count, i64c(0), "lanes.count");
        middle_loop(g, r, t, count);
        guarded_loop(g, r, b_.CreateAdd(t, count), last_t, "rest");
        t->addIncoming(end, b_.GetInsertBlock());
        mark_loop(b_.CreateBr(head), false);
        b_.SetInsertPoint(done);
    }

    // The extreme indices of x[t + c] over where it is read, against 1..len(x).
    void range_check(const Group& g, const Ranges& r, const RangeCheck& rc) {
        llvm::Value* seen = b_.getFalse();
        llvm::Value* tmin = i64c(0);
        llvm::Value* tmax = i64c(0);
        for (const Activation& a : rc.where) {
            llvm::Value* l = r.lo[a.member];
            llvm::Value* h = r.hi[a.member];
            llvm::Value* live = b_.getTrue();
            for (std::uint32_t k : a.guards) {
                if (g.guards[k].on_loop_var) {
                    l = smax(l, r.glo[k]);
                    h = smin(h, r.ghi[k]);
                } else {
                    live = b_.CreateAnd(live, r.holds[k]);
                }
            }
            live = b_.CreateAnd(live, b_.CreateICmpSLE(l, h));
            tmin = b_.CreateSelect(live, b_.CreateSelect(seen, smin(tmin, l), l), tmin);
            tmax = b_.CreateSelect(live, b_.CreateSelect(seen, smax(tmax, h), h), tmax);
            seen = b_.CreateOr(seen, live);
        }
        llvm::Value* len = len_[rc.vec];
        llvm::Value* low = b_.CreateAdd(tmin, i64c(rc.c));
        llvm::Value* high = b_.CreateAdd(tmax, i64c(rc.c));
        LoopFault fault{.kind = LoopFault::OutOfRange, .at = rc.at};
        check(b_.CreateOr(b_.CreateNot(seen), b_.CreateICmpSGE(low, i64c(1))), fault, [&](llvm::Value* err) {
            store_err(err, 1, low);
            store_err(err, 2, len);
        });
        check(b_.CreateOr(b_.CreateNot(seen), b_.CreateICmpSLE(high, len)), fault, [&](llvm::Value* err) {
            store_err(err, 1, high);
            store_err(err, 2, len);
        });
    }

    llvm::Module& m_;
    llvm::LLVMContext& c_;
    llvm::IRBuilder<> b_;
    const LoopPlan& plan_;
    const JitOptions& options_;
    std::vector<LoopFault>& faults_;
    llvm::Type* dbl_;
    llvm::Type* i64_;
    llvm::PointerType* ptr_;
    llvm::FixedVectorType* vec_;
    llvm::Function* f_ = nullptr;
    llvm::Value* dummy_in_ = nullptr;
    llvm::Value* dummy_out_ = nullptr;
    llvm::Value* dummy_lanes_ = nullptr;
    std::vector<llvm::Value*> base_, len_, vout_;
    std::vector<llvm::Value*> outer_, results_;
    std::unordered_map<NodeId, Tape> lowered_;
};

} // namespace

llvm::Error add_loop_kernel(llvm::Module& m, const LoopPlan& plan, const std::string& name, const JitOptions& options,
                            std::vector<LoopFault>& faults) {
    LoopEmitter emit(m, plan, options, faults);
    llvm::Function* f = emit.emit(name);
    std::string problems;
    llvm::raw_string_ostream os(problems);
    if (llvm::verifyFunction(*f, &os))
        return llvm::createStringError(llvm::inconvertibleErrorCode(), "generated invalid IR: " + os.str());
    return llvm::Error::success();
}

std::size_t plan_size(const LoopPlan& plan) {
    std::size_t n = plan.outer.size();
    for (const Group& g : plan.groups) n += g.body.size();
    return n;
}

} // namespace symdiff::detail
