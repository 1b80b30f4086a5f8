// The LoopInterpreter: runs a LoopPlan (loop_plan.hpp). Loop bodies are evaluated a block of
// indices at a time, one instruction over the whole block before the next, so the dispatch
// costs once per block instead of once per element and the per-op loops vectorise. The
// Interpreter of point functions is this over a plan whose inputs are all numbers.
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "eval/loop_plan.hpp"
#include "eval/semantics.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"

namespace symdiff {

struct LoopInterpreter::Impl {
    detail::LoopPlan plan;
};

namespace {

using detail::PInst;
using detail::PK;

constexpr std::int64_t kBlock = 256;

double apply(const PInst& p, double a, double b) {
    if (p.op == Op::Pow) return detail::apply_power(p.pow(), a, b);
    return detail::apply_function(p.op, a, b);
}

class Run {
public:
    Run(const detail::LoopPlan& plan, const LoopArgs& args)
        : plan_(plan), args_(args), outer_(plan.outer.size()), results_(plan.members.size()) {}

    void phase(std::uint32_t p) {
        std::uint32_t begin = p == 0 ? 0 : plan_.phase_end[p - 1];
        // One phase (every point function): the schedule is the creation order.
        if (plan_.phases == 1) {
            const PInst* code = plan_.outer.data();
            double* o = outer_.data();
            // The previous result stays in a register: a sum of many terms is a chain of Adds,
            // each on the one before, which through memory waits for a store each time.
            double last = 0;
            for (std::uint32_t i = begin; i < plan_.phase_end[p]; ++i) {
                const PInst& q = code[i];
                const double x = q.a + 1 == i ? last : o[q.a];
                switch (q.kind) {
                case PK::Add: last = x + o[q.b]; break;
                case PK::Mul: last = x * o[q.b]; break;
                case PK::Scalar: last = args_.scalars[q.j]; break;
                case PK::Const: last = q.value; break;
                case PK::Apply: last = apply(q, x, o[q.b]); break;
                default: outer(i); last = o[i]; break;
                }
                o[i] = last;
            }
            return;
        }
        for (std::uint32_t i = begin; i < plan_.phase_end[p]; ++i) outer(plan_.schedule[i]);
    }

    void all(bool write) {
        for (std::uint32_t p = 0; p < plan_.phases; ++p) {
            phase(p);
            for (const detail::Group& g : plan_.groups)
                if (g.phase == p) group(g, write);
        }
        if (!write) return;
        for (std::size_t i = 0; i < plan_.scalar_outputs.size(); ++i) args_.out[i] = outer_[plan_.scalar_outputs[i]];
    }

    std::int64_t integer(const detail::IntCheck& check) const {
        double v = outer_[check.slot];
        if (!detail::is_loop_integer(v)) throw Error(detail::not_integer_message(*plan_.ctx, check, v));
        return static_cast<std::int64_t>(v);
    }

private:
    void outer(std::uint32_t s) {
        const PInst& p = plan_.outer[s];
        double v = 0;
        switch (p.kind) {
        case PK::Const: v = p.value; break;
        case PK::Scalar: v = args_.scalars[p.j]; break;
        case PK::Len: v = static_cast<double>(args_.lengths[p.j]); break;
        case PK::Read: {
            double k = outer_[p.a];
            if (!detail::is_loop_integer(k)) throw Error(detail::index_not_integer_message(*plan_.ctx, p.node, k));
            std::int64_t i = static_cast<std::int64_t>(k);
            std::int64_t len = args_.lengths[p.j];
            if (i < 1 || i > len) throw Error(detail::out_of_range_message(*plan_.ctx, p.node, i, len));
            v = args_.vectors[p.j][i - 1];
            break;
        }
        case PK::Result: v = results_[p.j]; break;
        case PK::Add: v = outer_[p.a] + outer_[p.b]; break;
        case PK::Mul: v = outer_[p.a] * outer_[p.b]; break;
        case PK::Apply: v = apply(p, outer_[p.a], outer_[p.b]); break;
        case PK::Guard: {
            const detail::GuardInfo& g = plan_.outer_guards[p.j];
            Expr ge = (*plan_.ctx)[g.node];
            std::int64_t k = integer({g.k, ge[0].id(), "guard index"});
            std::int64_t lo = integer({g.lo, ge[1].id(), "guard bound"});
            std::int64_t hi = integer({g.hi, ge[2].id(), "guard bound"});
            v = lo <= k && k <= hi ? outer_[p.a] : 0.0;
            break;
        }
        case PK::Outer: case PK::Index: case PK::Load: case PK::Column: break; // never outer
        }
        outer_[s] = v;
    }

    void group(const detail::Group& g, bool write) {
        for (const detail::IntCheck& c : g.int_checks) integer(c);
        const std::size_t nm = g.members.size();
        std::vector<std::int64_t> lo(nm), hi(nm);
        std::int64_t first = 0, last = -1; // the loop runs over first..last
        bool any = false;
        if (g.rows) {
            std::int64_t rows = 0;
            for (std::size_t m = 0; m < nm; ++m) {
                const detail::Member& mem = plan_.members[g.members[m]];
                std::uint32_t a = mem.columns[0];
                std::int64_t la = args_.lengths[a];
                for (std::uint32_t b : mem.columns)
                    if (args_.lengths[b] != la)
                        throw Error(detail::column_lengths_message(plan_, mem, a, la, b, args_.lengths[b]));
                if (mem.op == Op::RowMean && la == 0) throw Error("mean over no rows");
                rows = la;
            }
            for (std::size_t m = 0; m < nm; ++m) lo[m] = 0, hi[m] = rows - 1;
            first = 0;
            last = rows - 1;
        } else {
            for (std::size_t m = 0; m < nm; ++m) {
                const detail::Member& mem = plan_.members[g.members[m]];
                lo[m] = static_cast<std::int64_t>(outer_[mem.lo]);
                hi[m] = static_cast<std::int64_t>(outer_[mem.hi]);
                if (lo[m] > hi[m]) continue;
                first = any ? std::min(first, lo[m]) : lo[m];
                last = any ? std::max(last, hi[m]) : hi[m];
                any = true;
            }
        }
        // Guards: an interval of the loop variable, or a condition fixed for the whole loop.
        const std::size_t ng = g.guards.size();
        std::vector<std::int64_t> glo(ng), ghi(ng);
        std::vector<char> holds(ng, 1);
        for (std::size_t k = 0; k < ng; ++k) {
            const detail::GuardInfo& gi = g.guards[k];
            glo[k] = static_cast<std::int64_t>(outer_[gi.lo]);
            ghi[k] = static_cast<std::int64_t>(outer_[gi.hi]);
            if (!gi.on_loop_var) {
                auto kv = static_cast<std::int64_t>(outer_[gi.k]);
                holds[k] = glo[k] <= kv && kv <= ghi[k];
            }
        }
        for (const detail::RangeCheck& rc : g.range_checks) {
            bool seen = false;
            std::int64_t tmin = 0, tmax = 0;
            for (const detail::Activation& a : rc.where) {
                std::int64_t l = lo[a.member], h = hi[a.member];
                bool live = true;
                for (std::uint32_t k : a.guards) {
                    if (g.guards[k].on_loop_var) {
                        l = std::max(l, glo[k]);
                        h = std::min(h, ghi[k]);
                    } else {
                        live = live && holds[k];
                    }
                }
                if (!live || l > h) continue;
                tmin = seen ? std::min(tmin, l) : l;
                tmax = seen ? std::max(tmax, h) : h;
                seen = true;
            }
            if (!seen) continue;
            std::int64_t len = args_.lengths[rc.vec];
            if (tmin + rc.c < 1) throw Error(detail::out_of_range_message(*plan_.ctx, rc.at, tmin + rc.c, len));
            if (tmax + rc.c > len) throw Error(detail::out_of_range_message(*plan_.ctx, rc.at, tmax + rc.c, len));
        }
        if (!write) return;

        // Four partial sums (or maxima) per reducing member, by (t - lo) mod 4.
        std::vector<double> partial(nm * 4, 0.0);
        for (std::size_t m = 0; m < nm; ++m)
            if (detail::is_max_loop(plan_.members[g.members[m]].op))
                std::fill_n(partial.data() + m * 4, 4, detail::kMaxIdentity);
        const std::size_t nb = g.body.size();
        std::vector<double> slots(nb * kBlock);
        auto at = [&](std::uint32_t s) { return slots.data() + s * kBlock; };
        // Outer values and constants are the same in every block: filled once.
        for (std::size_t s = 0; s < nb; ++s) {
            const PInst& p = g.body[s];
            if (p.kind == PK::Outer) std::fill_n(at(s), kBlock, outer_[p.a]);
            if (p.kind == PK::Const) std::fill_n(at(s), kBlock, p.value);
        }
        for (std::int64_t t0 = first; t0 <= last; t0 += kBlock) {
            if (args_.stop != nullptr && *args_.stop != 0) [[unlikely]]
                throw Error("evaluation interrupted");
            const std::int64_t n = std::min(kBlock, last - t0 + 1);
            for (std::size_t s = 0; s < nb; ++s) {
                const PInst& p = g.body[s];
                double* r = at(static_cast<std::uint32_t>(s));
                const double* a = at(p.a);
                const double* b = at(p.b);
                switch (p.kind) {
                case PK::Const: case PK::Outer: break;
                case PK::Index:
                    for (std::int64_t e = 0; e < n; ++e) r[e] = static_cast<double>(t0 + e);
                    break;
                case PK::Load: {
                    const double* x = args_.vectors[p.j];
                    const std::int64_t len = args_.lengths[p.j];
                    for (std::int64_t e = 0; e < n; ++e) {
                        std::int64_t i = t0 + e + p.c;
                        r[e] = i >= 1 && i <= len ? x[i - 1] : 0.0;
                    }
                    break;
                }
                case PK::Column: std::copy_n(args_.vectors[p.j] + t0, n, r); break;
                case PK::Add: for (std::int64_t e = 0; e < n; ++e) r[e] = a[e] + b[e]; break;
                case PK::Mul: for (std::int64_t e = 0; e < n; ++e) r[e] = a[e] * b[e]; break;
                case PK::Apply:
                    // The common powers get their own loops: one dispatch per block, not per element.
                    if (p.op == Op::Pow && p.pow().kind == detail::PowPlan::Integer && p.pow_k == 2) {
                        for (std::int64_t e = 0; e < n; ++e) r[e] = a[e] * a[e];
                    } else if (p.op == Op::Pow && p.pow().kind == detail::PowPlan::Integer) {
                        for (std::int64_t e = 0; e < n; ++e) r[e] = detail::signed_int_power(a[e], p.pow_k);
                    } else {
                        for (std::int64_t e = 0; e < n; ++e) r[e] = apply(p, a[e], b[e]);
                    }
                    break;
                case PK::Guard: {
                    const detail::GuardInfo& gi = g.guards[p.j];
                    if (!gi.on_loop_var) {
                        for (std::int64_t e = 0; e < n; ++e) r[e] = holds[p.j] ? a[e] : 0.0;
                        break;
                    }
                    for (std::int64_t e = 0; e < n; ++e) {
                        std::int64_t t = t0 + e;
                        r[e] = glo[p.j] <= t && t <= ghi[p.j] ? a[e] : 0.0;
                    }
                    break;
                }
                case PK::Scalar: case PK::Len: case PK::Read: case PK::Result: break; // never in a body
                }
            }
            for (std::size_t m = 0; m < nm; ++m) {
                const detail::Member& mem = plan_.members[g.members[m]];
                const double* term = at(mem.term);
                std::int64_t from = std::max(t0, lo[m]), to = std::min(t0 + n - 1, hi[m]);
                if (mem.op == Op::Vec) {
                    for (std::uint32_t o : mem.outputs) {
                        double* out = args_.vector_out[o];
                        for (std::int64_t t = from; t <= to; ++t) out[t - lo[m]] = term[t - t0];
                    }
                } else if (detail::is_max_loop(mem.op)) {
                    double* ps = partial.data() + m * 4;
                    for (std::int64_t t = from; t <= to; ++t) {
                        double& p = ps[(t - lo[m]) & 3];
                        p = detail::max_step(p, term[t - t0]);
                    }
                } else {
                    double* ps = partial.data() + m * 4;
                    for (std::int64_t t = from; t <= to; ++t) ps[(t - lo[m]) & 3] += term[t - t0];
                }
            }
        }
        for (std::size_t m = 0; m < nm; ++m) {
            const detail::Member& mem = plan_.members[g.members[m]];
            if (mem.op == Op::Vec) continue;
            const double* ps = partial.data() + m * 4;
            if (detail::is_max_loop(mem.op)) {
                results_[g.members[m]] = detail::max_result(ps);
                continue;
            }
            double s = (ps[0] + ps[1]) + (ps[2] + ps[3]);
            if (mem.op == Op::RowMean) s = s / static_cast<double>(hi[m] + 1);
            results_[g.members[m]] = s;
        }
    }

    const detail::LoopPlan& plan_;
    const LoopArgs& args_;
    std::vector<double> outer_;
    std::vector<double> results_;
};

} // namespace

LoopInterpreter::LoopInterpreter(std::span<const Expr> outputs, const Signature& signature)
    : impl_(std::make_unique<Impl>(Impl{detail::LoopPlan::build(outputs, signature)})) {}
LoopInterpreter::LoopInterpreter(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
LoopInterpreter::~LoopInterpreter() = default;
LoopInterpreter::LoopInterpreter(LoopInterpreter&&) noexcept = default;
LoopInterpreter& LoopInterpreter::operator=(LoopInterpreter&&) noexcept = default;

std::size_t LoopInterpreter::scalar_outputs() const { return impl_->plan.scalar_outputs.size(); }
std::size_t LoopInterpreter::vector_outputs() const { return impl_->plan.vector_outputs.size(); }

namespace detail {

LoopInterpreter make_loop_interpreter(LoopPlan plan) {
    return LoopInterpreter(std::make_unique<LoopInterpreter::Impl>(LoopInterpreter::Impl{std::move(plan)}));
}

std::vector<std::size_t> plan_vector_lengths(const LoopPlan& plan, const LoopArgs& args) {
    Run run(plan, args);
    std::vector<std::size_t> lengths;
    if (plan.vector_outputs.empty()) return lengths;
    // Vector bounds are phase 0 (checked when the plan is built): no loop has to run.
    run.phase(0);
    for (std::uint32_t m : plan.vector_outputs) {
        const detail::Member& mem = plan.members[m];
        Expr v = (*plan.ctx)[mem.node];
        std::int64_t lo = run.integer({mem.lo, v[1].id(), "vector bound"});
        std::int64_t hi = run.integer({mem.hi, v[2].id(), "vector bound"});
        lengths.push_back(hi < lo ? 0 : static_cast<std::size_t>(hi - lo + 1));
    }
    return lengths;
}

} // namespace detail

std::vector<std::size_t> LoopInterpreter::vector_lengths(const LoopArgs& args) const {
    return detail::plan_vector_lengths(impl_->plan, args);
}

void LoopInterpreter::run(const LoopArgs& args) const {
    Run run(impl_->plan, args);
    run.all(true);
}

namespace {

// Where each distinct input is first listed, when one is listed twice; else empty (the inputs
// are the signature's scalars as they are).
std::vector<std::uint32_t> first_slots(std::span<const Expr> inputs) {
    std::vector<NodeId> ids;
    for (Expr v : inputs) {
        if (!v.is_symbol()) throw Error("interpreter inputs must be variables");
        ids.push_back(v.id());
    }
    std::sort(ids.begin(), ids.end());
    if (std::adjacent_find(ids.begin(), ids.end()) == ids.end()) return {};
    std::unordered_map<NodeId, std::uint32_t> seen;
    std::vector<std::uint32_t> pick;
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (seen.emplace(inputs[i].id(), static_cast<std::uint32_t>(i)).second) pick.push_back(static_cast<std::uint32_t>(i));
    return pick;
}

LoopInterpreter scalar_plan(std::span<const Expr> outputs, std::span<const Expr> inputs,
                            const std::vector<std::uint32_t>& pick) {
    // A plan splices a list output's items; a point function has no list values.
    for (Expr o : outputs)
        if (o.is(Op::List)) throw Error("cannot evaluate a list to a number");
    Signature sig;
    if (pick.empty()) sig.scalars.assign(inputs.begin(), inputs.end());
    for (std::uint32_t i : pick) sig.scalars.push_back(inputs[i]);
    return LoopInterpreter(outputs, sig);
}

} // namespace

Interpreter::Interpreter(std::span<const Expr> outputs, std::span<const Expr> inputs)
    : pick_(first_slots(inputs)), loops_(scalar_plan(outputs, inputs, pick_)), n_in_(inputs.size()) {}

void Interpreter::run(const double* in, double* out) const {
    LoopArgs args;
    args.out = out;
    std::vector<double> distinct;
    if (pick_.empty()) {
        args.scalars = in;
    } else {
        for (std::uint32_t i : pick_) distinct.push_back(in[i]);
        args.scalars = distinct.data();
    }
    loops_.run(args);
}

} // namespace symdiff
