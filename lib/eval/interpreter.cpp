// The Interpreter: the DAG of several outputs flattened once into a tape of steps over slots.
//
// Slot layout: slots [0, n_in) hold the inputs; each step k writes slot n_in + k. Steps are
// in topological order, so a step reads only slots written before it.
#include <unordered_map>
#include <vector>

#include "eval/semantics.hpp"
#include "eval/stable.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"

namespace symdiff {

Interpreter::Interpreter(std::span<const Expr> written, std::span<const Expr> inputs) : n_in_(inputs.size()) {
    const std::vector<Expr> outputs = detail::stable_forms(written);
    std::unordered_map<NodeId, std::uint32_t> slot;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i].is_symbol()) throw Error("interpreter inputs must be variables");
        slot.emplace(inputs[i].id(), static_cast<std::uint32_t>(i)); // a repeated input binds to its first slot
    }
    if (outputs.empty()) return;
    const Context& ctx = outputs[0].context();
    for (NodeId id : topological_order(outputs)) {
        Expr n = ctx[id];
        if (n.is_symbol()) {
            if (!slot.count(id)) throw Error("unknown variable '" + n.name() + "'");
            continue;
        }
        if (n.is(Op::List)) throw Error("cannot evaluate a list to a number");
        if (is_reduction(n.op()) || n.is(Op::At) || n.is(Op::Len) || n.is(Op::Guard))
            throw Error("sums, indexed vectors and data need a LoopInterpreter (eval.hpp)");
        Step s{n.op(), 0, 0, 0, 0, 0.0, 0, 0};
        auto kid = [&](std::size_t k) { return slot.at(n.child_ids()[k]); };
        switch (n.op()) {
        case Op::Num:
            s.constant = n.number().value();
            break;
        case Op::Pi:
            s.constant = detail::kPi;
            break;
        case Op::Add:
        case Op::Mul:
            s.first = static_cast<std::uint32_t>(args_.size());
            s.n = static_cast<std::uint32_t>(n.size());
            for (std::size_t k = 0; k < n.size(); ++k) args_.push_back(kid(k));
            break;
        case Op::Pow: {
            detail::PowPlan plan = detail::plan_power(n[1]);
            s.a = kid(0);
            s.b = kid(1);
            if (plan.kind == detail::PowPlan::Integer) s.ipow = plan.k;
            if (plan.kind == detail::PowPlan::Sqrt) s.root = 1;
            if (plan.kind == detail::PowPlan::InvSqrt) s.root = -1;
            break;
        }
        default:
            s.a = kid(0);
            s.b = n.size() > 1 ? kid(1) : s.a;
            break;
        }
        slot.emplace(id, static_cast<std::uint32_t>(n_in_ + steps_.size()));
        steps_.push_back(s);
    }
    for (Expr o : outputs) outs_.push_back(slot.at(o.id()));
}

void Interpreter::run(const double* in, double* out) const {
    std::vector<double> v(n_in_ + steps_.size());
    for (std::size_t i = 0; i < n_in_; ++i) v[i] = in[i];
    double* w = v.data() + n_in_;
    for (const Step& s : steps_) {
        double r;
        switch (s.op) {
        case Op::Num:
        case Op::Pi:
            r = s.constant;
            break;
        case Op::Add:
            r = v[args_[s.first]];
            for (std::uint32_t k = 1; k < s.n; ++k) r = r + v[args_[s.first + k]];
            break;
        case Op::Mul:
            r = v[args_[s.first]];
            for (std::uint32_t k = 1; k < s.n; ++k) r = r * v[args_[s.first + k]];
            break;
        case Op::Pow:
            if (s.ipow != 0) r = detail::signed_int_power(v[s.a], s.ipow);
            else if (s.root == 1) r = std::sqrt(v[s.a]);
            else if (s.root == -1) r = 1.0 / std::sqrt(v[s.a]);
            else r = std::pow(v[s.a], v[s.b]);
            break;
        default:
            r = detail::apply_function(s.op, v[s.a], v[s.b]);
            break;
        }
        *w++ = r;
    }
    for (std::size_t i = 0; i < outs_.size(); ++i) out[i] = v[outs_[i]];
}

} // namespace symdiff
