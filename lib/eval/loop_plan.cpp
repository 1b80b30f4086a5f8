// Building the LoopPlan: scoping, validation, hoisting, phases and fusion (loop_plan.hpp).
#include "eval/loop_plan.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <map>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "eval/closed_form.hpp"
#include "eval/stable.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/print.hpp"

namespace symdiff::detail {

namespace {

// x[k] as the grammar writes it, whatever the printer does with At.
std::string at_text(Expr e) { return e[0].name() + "[" + to_string(e[1]) + "]"; }

std::string number_text(double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// Instructions are interned per program: the same operation on the same slots is one slot.
// This is what lets f and ∇f share a body even when their index symbols differ (x[i] of the
// sum and x[k] of the gradient are the same Load). Sums and products of two operands are
// commutative bit for bit in IEEE arithmetic, so their operands are sorted.
using InstKey = std::tuple<int, int, std::uint32_t, std::uint32_t, std::uint32_t, std::int64_t, std::uint64_t, int, int,
                           NodeId>;

InstKey key_of(const PInst& p) {
    std::uint64_t bits = 0;
    if (p.kind == PK::Const) std::memcpy(&bits, &p.value, sizeof bits);
    const std::int64_t c = p.kind == PK::Load ? p.c : 0;
    std::uint32_t a = p.a, b = p.b;
    if ((p.kind == PK::Add || p.kind == PK::Mul) && b < a) std::swap(a, b);
    // A Read is interned with its node: two At nodes reading the same element report
    // different messages, and each is checked where it is.
    NodeId node = p.kind == PK::Read ? p.node : 0;
    return {static_cast<int>(p.kind), static_cast<int>(p.op), a, b, p.j, c, bits, static_cast<int>(p.pow().kind),
            p.pow().k, node};
}

struct InstKeyHash {
    std::size_t operator()(const InstKey& k) const noexcept {
        std::uint64_t h = 0x9E3779B97F4A7C15ull;
        auto mix = [&](std::uint64_t v) {
            h = (h ^ v) * 0xFF51AFD7ED558CCDull;
            h ^= h >> 32;
        };
        std::apply([&](auto... f) { (mix(static_cast<std::uint64_t>(f)), ...); }, k);
        return static_cast<std::size_t>(h);
    }
};

struct Program {
    /// Bodies intern every instruction. The outer program is lowered from the hash-consed DAG
    /// once per node, so only its constants (several Num nodes can have one double) would
    /// repeat; interning the rest costs a point function's plan half its build time.
    bool intern_all = true;
    std::vector<PInst> code;
    std::unordered_map<InstKey, std::uint32_t, InstKeyHash> interned;
    std::vector<GuardInfo> guards;
    std::map<std::tuple<bool, std::uint32_t, std::uint32_t, std::uint32_t>, std::uint32_t> guard_ids;

    std::uint32_t push(const PInst& p) {
        if (!intern_all && p.kind != PK::Const) {
            code.push_back(p);
            return static_cast<std::uint32_t>(code.size() - 1);
        }
        InstKey key = key_of(p);
        // find first: emplace would allocate a node for every instruction already there.
        if (auto it = interned.find(key); it != interned.end()) return it->second;
        interned.emplace(key, static_cast<std::uint32_t>(code.size()));
        code.push_back(p);
        return static_cast<std::uint32_t>(code.size() - 1);
    }
    std::uint32_t guard(const GuardInfo& g) {
        auto [it, fresh] = guard_ids.emplace(std::tuple(g.on_loop_var, g.k, g.lo, g.hi), static_cast<std::uint32_t>(guards.size()));
        if (fresh) guards.push_back(g);
        return it->second;
    }
};

// The outer program's slot of each node, by id: every node of a point function gets one,
// and a vector over the context's ids costs less than a hash-table node each.
class DenseMemo {
public:
    void reset(std::size_t ids) { slot_.assign(ids, kNone); }
    std::size_t count(NodeId id) const { return id < slot_.size() && slot_[id] != kNone; }
    std::uint32_t at(NodeId id) const { return slot_.at(id); }
    void emplace(NodeId id, std::uint32_t s) { slot_.at(id) = s; }

private:
    static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> slot_;
};

PInst power(PowPlan plan, std::uint32_t base, std::uint32_t exponent, Expr e) {
    PInst p{.kind = PK::Apply, .op = Op::Pow, .pow_kind = static_cast<std::uint8_t>(plan.kind), .a = base, .b = exponent,
            .node = e.id()};
    if (plan.kind == PowPlan::Integer) p.pow_k = plan.k;
    return p;
}

// The body slots an instruction reads.
template <class F>
void body_operands(const PInst& p, F&& f) {
    switch (p.kind) {
    case PK::Add: case PK::Mul: f(p.a); f(p.b); break;
    case PK::Apply:
        f(p.a);
        if (p.op == Op::Pow ? p.pow().kind == PowPlan::General : op_arity(p.op) == 2) f(p.b);
        break;
    case PK::Guard: f(p.a); break;
    default: break;
    }
}

// Activations of more than this many guard combinations are merged into "the member is
// active": the range check then covers more indices than are read, never fewer.
constexpr std::size_t kMaxActivations = 16;

class Builder {
public:
    Builder(std::span<const Expr> outputs, const Signature& sig) {
        for (std::size_t j = 0; j < sig.scalars.size(); ++j) add_input(sig.scalars[j], j, true);
        for (std::size_t j = 0; j < sig.vectors.size(); ++j) add_input(sig.vectors[j], j, false);
        plan_.n_scalars = sig.scalars.size();
        plan_.n_vectors = sig.vectors.size();
        for (Expr v : sig.vectors) plan_.vector_names.push_back(v.name());
        if (outputs.empty()) return;
        ctx_ = &outputs[0].context();
        plan_.ctx = ctx_;
        roots_.assign(outputs.begin(), outputs.end());
        outer_memo_.reset(ctx_->size());
        // Without vectors nothing is bare and there are no columns: a point function's plan
        // (the Interpreter's) walks its DAG only once, to lower it.
        if (sig.vectors.empty()) return;
        compute_bare();
        compute_data_columns(sig);
    }

    LoopPlan finish(std::span<const Expr> outputs, bool map_rows = false) {
        std::vector<Expr> flat;
        std::vector<Expr> stack;
        for (Expr o : outputs) {
            stack.push_back(o);
            while (!stack.empty()) {
                Expr e = stack.back();
                stack.pop_back();
                if (!e.is(Op::List)) {
                    flat.push_back(e);
                    continue;
                }
                for (std::size_t i = e.size(); i-- > 0;) stack.push_back(e[i]);
            }
        }
        for (Expr o : flat) {
            if (map_rows) {
                std::uint32_t m = row_map_member(o);
                plan_.members[m].outputs.push_back(static_cast<std::uint32_t>(plan_.vector_outputs.size()));
                plan_.vector_outputs.push_back(m);
            } else if (o.is(Op::Vec)) {
                std::uint32_t m = member(o);
                plan_.members[m].outputs.push_back(static_cast<std::uint32_t>(plan_.vector_outputs.size()));
                plan_.vector_outputs.push_back(m);
                if (phase_[plan_.members[m].lo] != 0 || phase_[plan_.members[m].hi] != 0)
                    throw Error("the bounds of a vector output cannot contain a sum or mean");
            } else {
                plan_.scalar_outputs.push_back(outer_value(o));
            }
        }
        group_members();
        schedule();
        return std::move(plan_);
    }

private:
    void add_input(Expr v, std::size_t j, bool scalar) {
        if (!v.is_symbol()) throw Error("signature entries must be variables");
        if (scalar_ix_.count(v.id()) || vector_ix_.count(v.id()))
            throw Error("variable '" + v.name() + "' is listed twice in the signature");
        (scalar ? scalar_ix_ : vector_ix_).emplace(v.id(), static_cast<std::uint32_t>(j));
    }

    std::string text(Expr e) const { return e.is(Op::At) ? at_text(e) : to_string(e); }

    // The data columns of these outputs: the signature's vectors that are read bare (in a row
    // reduction) or not used as vectors at all (x[k], len(x)). A row reduction that reads no
    // column (mean(2*a)) runs over the rows of all of them, so that it means the same as
    // when it is written beside a loss that reads them (mean(2*a) + mean((m*x - y)^2)).
    void compute_data_columns(const Signature& sig) {
        std::vector<char> indexed(sig.vectors.size(), 0), bare_use(sig.vectors.size(), 0);
        for (NodeId id : topo()) {
            Expr e = (*ctx_)[id];
            for (std::size_t k = 0; k < e.size(); ++k) {
                auto it = vector_ix_.find(e[k].id());
                if (it == vector_ix_.end()) continue;
                bool as_vector = k == 0 && (e.is(Op::At) || e.is(Op::Len));
                (as_vector ? indexed : bare_use)[it->second] = 1;
            }
        }
        for (std::size_t j = 0; j < sig.vectors.size(); ++j)
            if (bare_use[j] || !indexed[j]) data_columns_.push_back(static_cast<std::uint32_t>(j));
    }

    // The DAG of the outputs by node id, and each node's position in it: built at the first
    // question about loops, which a plan without any never asks.
    const std::vector<NodeId>& topo() const {
        if (topo_.empty() && !roots_.empty()) {
            topo_ = topological_order(roots_);
            for (std::size_t i = 0; i < topo_.size(); ++i) pos_.emplace(topo_[i], static_cast<std::uint32_t>(i));
        }
        return topo_;
    }
    std::uint32_t pos(NodeId id) const {
        topo();
        return pos_.at(id);
    }

    void compute_bare() {
        bare_.assign(topo().size(), 0);
        for (std::size_t i = 0; i < topo_.size(); ++i) {
            Expr e = (*ctx_)[topo_[i]];
            char v = 0;
            switch (e.op()) {
            case Op::Sym: v = vector_ix_.count(e.id()) ? 1 : 0; break;
            case Op::At: v = bare(e[1]); break;
            case Op::Len: case Op::RowSum: case Op::RowMean: case Op::RowMax: v = 0; break;
            default:
                for (std::size_t k = 0; k < e.size(); ++k) v |= bare(e[k]);
                break;
            }
            bare_[i] = v;
        }
    }
    char bare(Expr e) const { return bare_.empty() ? 0 : bare_[pos(e.id())]; }

    // Whether e has a free occurrence of the index symbol s (Sum and Vec rebind it).
    const std::vector<char>& dep_table(NodeId s) {
        auto [it, fresh] = dep_.try_emplace(s);
        if (!fresh) return it->second;
        std::vector<char>& d = it->second;
        d.assign(topo().size(), 0);
        auto of = [&](Expr k) { return d[pos(k.id())]; };
        for (std::size_t i = 0; i < topo_.size(); ++i) {
            Expr e = (*ctx_)[topo_[i]];
            char v = 0;
            switch (e.op()) {
            case Op::Sym: v = e.id() == s; break;
            case Op::Len: v = 0; break;
            case Op::At: v = of(e[1]); break;
            case Op::Sum: case Op::Vec: case Op::MaxOver:
                v = of(e[1]) | of(e[2]) | (e[0].id() != s ? of(e[3]) : 0);
                break;
            default:
                for (std::size_t k = 0; k < e.size(); ++k) v |= of(e[k]);
                break;
            }
            d[i] = v;
        }
        return d;
    }

    std::uint32_t push_outer(const PInst& p, std::uint32_t phase) {
        std::uint32_t before = static_cast<std::uint32_t>(outer_.code.size());
        std::uint32_t s = outer_.push(p);
        if (s == before) phase_.push_back(phase);
        return s;
    }

    // Appends the children that must have values before e itself, in the outer program.
    static void outer_kids(Expr e, std::vector<Expr>& k) {
        switch (e.op()) {
        case Op::Num: case Op::Sym: case Op::Pi: case Op::Len:
        case Op::Sum: case Op::RowSum: case Op::RowMean: case Op::Vec: case Op::List: case Op::MaxOver: case Op::RowMax:
            break;
        case Op::At: k.push_back(e[1]); break;
        case Op::Pow:
            k.push_back(e[0]);
            if (plan_power(e[1]).kind == PowPlan::General) k.push_back(e[1]);
            break;
        default:
            for (std::size_t i = 0; i < e.size(); ++i) k.push_back(e[i]);
            break;
        }
    }

    // Depth-first with an explicit stack: outer expressions can be 100,000 deep.
    template <class Memo, class Kids, class Make>
    std::uint32_t walk(Expr root, Memo& memo, Kids&& kids, Make&& make) {
        if (memo.count(root.id())) return memo.at(root.id());
        // The children of every open frame, one range each, in one vector: no allocation per node.
        struct Frame {
            Expr e;
            std::size_t begin, next;
        };
        std::vector<Expr> pending;
        std::vector<Frame> stack;
        auto open = [&](Expr e) {
            stack.push_back({e, pending.size(), pending.size()});
            kids(e, pending);
        };
        open(root);
        std::uint32_t result = 0;
        while (!stack.empty()) {
            Frame& f = stack.back();
            // The top frame's children run to the end: those of its own children are gone.
            if (f.next < pending.size()) {
                Expr c = pending[f.next++];
                if (!memo.count(c.id())) open(c);
                continue;
            }
            // Not lowered yet: a node is opened only when it has no slot, and it cannot be
            // below itself.
            Expr e = f.e;
            pending.resize(f.begin);
            stack.pop_back();
            result = make(e);
            memo.emplace(e.id(), result);
        }
        return result;
    }

    std::uint32_t outer_value(Expr root) {
        return walk(root, outer_memo_, [&](Expr e, std::vector<Expr>& k) { outer_kids(e, k); },
                    [&](Expr e) { return make_outer(e); });
    }

    std::uint32_t make_outer(Expr e) {
        auto slot = [&](Expr k) { return outer_memo_.at(k.id()); };
        auto ph = [&](std::uint32_t s) { return phase_[s]; };
        switch (e.op()) {
        case Op::Num: return push_outer({.kind = PK::Const, .value = e.number().value()}, 0);
        case Op::Pi: return push_outer({.kind = PK::Const, .value = kPi}, 0);
        case Op::Sym: {
            if (auto it = scalar_ix_.find(e.id()); it != scalar_ix_.end())
                return push_outer({.kind = PK::Scalar, .j = it->second}, 0);
            if (vector_ix_.count(e.id()))
                throw Error("vector '" + e.name() + "' is used as a number outside a sum or mean over data rows");
            throw Error("unknown variable '" + e.name() + "'");
        }
        case Op::Len: return push_outer({.kind = PK::Len, .j = vector_of(e, e[0])}, 0);
        case Op::At: {
            std::uint32_t j = vector_of(e, e[0]);
            std::uint32_t k = slot(e[1]);
            return push_outer({.kind = PK::Read, .a = k, .j = j, .node = e.id()}, ph(k));
        }
        case Op::List: throw Error("cannot evaluate a list to a number");
        case Op::Vec:
            throw Error("the vector " + text(e) + " can only be an output, not part of an expression");
        case Op::Sum: case Op::RowSum: case Op::RowMean: case Op::MaxOver: case Op::RowMax: {
            std::uint32_t m = member(e);
            return push_outer({.kind = PK::Result, .j = m}, plan_.members[m].phase + 1);
        }
        case Op::Guard: {
            GuardInfo g{false, slot(e[0]), slot(e[1]), slot(e[2]), e.id()};
            std::uint32_t body = slot(e[3]);
            std::uint32_t id = outer_.guard(g);
            return push_outer({.kind = PK::Guard, .a = body, .j = id, .node = e.id()},
                              std::max({ph(g.k), ph(g.lo), ph(g.hi), ph(body)}));
        }
        case Op::Add: case Op::Mul: {
            std::uint32_t acc = slot(e[0]);
            for (std::size_t i = 1; i < e.size(); ++i) {
                std::uint32_t b = slot(e[i]);
                acc = push_outer({.kind = e.is(Op::Add) ? PK::Add : PK::Mul, .a = acc, .b = b}, std::max(ph(acc), ph(b)));
            }
            return acc;
        }
        case Op::Pow: {
            PowPlan plan = plan_power(e[1]);
            std::uint32_t a = slot(e[0]);
            std::uint32_t b = plan.kind == PowPlan::General ? slot(e[1]) : a;
            return push_outer(power(plan, a, b, e),
                              std::max(ph(a), ph(b)));
        }
        default: {
            std::uint32_t a = slot(e[0]);
            std::uint32_t b = e.size() > 1 ? slot(e[1]) : a;
            return push_outer({.kind = PK::Apply, .op = e.op(), .a = a, .b = b, .node = e.id()}, std::max(ph(a), ph(b)));
        }
        }
    }

    std::uint32_t vector_of(Expr use, Expr v) {
        if (auto it = vector_ix_.find(v.id()); it != vector_ix_.end()) return it->second;
        if (scalar_ix_.count(v.id()))
            throw Error("'" + v.name() + "' in " + text(use) + " is not a vector of the signature");
        throw Error("unknown variable '" + v.name() + "'");
    }

    // --- loop bodies

    struct BodyBuild {
        Program prog;
        std::unordered_map<NodeId, std::uint32_t> memo;
        NodeId index = 0;   // the index symbol; 0 for rows
        bool rows = false;
        bool mapped = false; // a mapped output (build_map): rows, written not reduced
        Expr loop;          // the Sum, Vec, RowSum or RowMean; a mapped output itself
    };

    bool variant(BodyBuild& b, Expr e) {
        if (b.rows) return bare(e);
        return dep_table(b.index)[pos(e.id())];
    }

    std::string loop_words(const BodyBuild& b) const {
        if (b.mapped) return "the points of the batch";
        switch (b.loop.op()) {
        case Op::Sum: return "the sum over " + b.loop[0].name();
        case Op::Vec: return "the vector over " + b.loop[0].name();
        case Op::MaxOver: return "the maximum over " + b.loop[0].name();
        case Op::RowSum: return "the sum over data rows";
        case Op::RowMax: return "the maximum over data rows";
        default: return "the mean over data rows";
        }
    }

    void body_kids(BodyBuild& b, Expr e, std::vector<Expr>& k) {
        if (!variant(b, e)) return;
        switch (e.op()) {
        case Op::Sym: case Op::At: break;
        case Op::Guard: k.push_back(e[3]); break;
        default: outer_kids(e, k); break;
        }
    }

    std::uint32_t body_value(BodyBuild& b, Expr root) {
        return walk(root, b.memo, [&](Expr e, std::vector<Expr>& k) { body_kids(b, e, k); }, [&](Expr e) { return make_body(b, e); });
    }

    std::uint32_t make_body(BodyBuild& b, Expr e) {
        Program& p = b.prog;
        if (!variant(b, e)) return p.push({.kind = PK::Outer, .a = outer_value(e)});
        auto slot = [&](Expr k) { return b.memo.at(k.id()); };
        switch (e.op()) {
        case Op::Sym:
            if (!b.rows) return p.push({.kind = PK::Index});
            return p.push({.kind = PK::Column, .j = vector_ix_.at(e.id())});
        case Op::At: {
            std::uint32_t j = vector_of(e, e[0]);
            Expr idx = e[1];
            std::int64_t c = 0;
            bool ok = false;
            if (!b.rows) {
                if (idx.id() == b.index) {
                    ok = true;
                } else if (idx.is(Op::Add) && idx.size() == 2 && idx[1].id() == b.index && idx[0].is_number() &&
                           idx[0].number().is_integer()) {
                    ok = true;
                    c = idx[0].number().num();
                }
            }
            if (!ok) {
                if (b.rows) throw Error("index " + text(e) + " depends on the data rows of " + loop_words(b));
                std::string i = b.loop[0].name();
                throw Error("index " + text(e) + " must be " + i + " + c with an integer c, or free of " + i);
            }
            return p.push({.kind = PK::Load, .j = j, .c = c, .node = e.id()});
        }
        case Op::List: throw Error("cannot evaluate a list to a number");
        case Op::Vec:
            throw Error("the vector " + text(e) + " can only be an output, not part of an expression");
        case Op::Sum: case Op::RowSum: case Op::RowMean: case Op::MaxOver: case Op::RowMax:
            throw Error("reductions do not nest: " + text(e) + " depends on " +
                        (b.mapped ? std::string()
                         : b.rows ? std::string("the data rows of ")
                                  : b.loop[0].name() + ", the index of ") +
                        loop_words(b));
        case Op::Guard: {
            GuardInfo g;
            g.node = e.id();
            if (variant(b, e[1]) || variant(b, e[2]))
                throw Error("the bounds of " + text(e) + " depend on " +
                            (b.rows ? std::string("the data rows") : b.loop[0].name()));
            g.lo = outer_value(e[1]);
            g.hi = outer_value(e[2]);
            if (!b.rows && e[0].id() == b.index) {
                g.on_loop_var = true;
            } else {
                g.k = outer_value(e[0]);
            }
            std::uint32_t id = p.guard(g);
            return p.push({.kind = PK::Guard, .a = slot(e[3]), .j = id, .node = e.id()});
        }
        case Op::Add: case Op::Mul: {
            std::uint32_t acc = slot(e[0]);
            for (std::size_t i = 1; i < e.size(); ++i)
                acc = p.push({.kind = e.is(Op::Add) ? PK::Add : PK::Mul, .a = acc, .b = slot(e[i])});
            return acc;
        }
        case Op::Pow: {
            PowPlan plan = plan_power(e[1]);
            std::uint32_t a = slot(e[0]);
            std::uint32_t bb = plan.kind == PowPlan::General ? slot(e[1]) : a;
            return p.push(power(plan, a, bb, e));
        }
        default: {
            std::uint32_t a = slot(e[0]);
            std::uint32_t bb = e.size() > 1 ? slot(e[1]) : a;
            return p.push({.kind = PK::Apply, .op = e.op(), .a = a, .b = bb, .node = e.id()});
        }
        }
    }

    struct MemberBody {
        Program prog;
        std::uint32_t term = 0;
        std::vector<std::vector<Activation>> act; // per instruction, member 0 = this one
    };

    std::uint32_t member(Expr e) {
        if (auto it = member_ids_.find(e.id()); it != member_ids_.end()) return it->second;
        Member m;
        m.op = e.op();
        m.node = e.id();
        BodyBuild b;
        b.loop = e;
        b.rows = m.rows = is_row_loop(e.op());
        Expr body;
        if (b.rows) {
            body = e[0];
        } else {
            b.index = e[0].id();
            m.lo = outer_value(e[1]);
            m.hi = outer_value(e[2]);
            body = e[3];
        }
        std::uint32_t id = add_member(std::move(m), b, body);
        member_ids_.emplace(e.id(), id);
        return id;
    }

    // A mapped output of build_map: a Vec over the rows whose body is the output as written.
    std::uint32_t row_map_member(Expr e) {
        if (auto it = map_ids_.find(e.id()); it != map_ids_.end()) return it->second;
        if (e.is(Op::Vec))
            throw Error("the vector " + text(e) + " cannot be evaluated at each point of a batch");
        Member m;
        m.op = Op::Vec;
        m.rows = true;
        m.node = e.id();
        BodyBuild b;
        b.loop = e;
        b.rows = b.mapped = true;
        std::uint32_t id = add_member(std::move(m), b, e);
        map_ids_.emplace(e.id(), id);
        return id;
    }

    std::uint32_t add_member(Member m, BodyBuild& b, Expr body) {
        Expr e = b.loop;
        MemberBody mb;
        mb.term = body_value(b, body);
        mb.prog = std::move(b.prog);
        std::uint32_t phase = b.rows ? 0 : std::max(phase_[m.lo], phase_[m.hi]);
        for (const PInst& p : mb.prog.code) {
            if (p.kind == PK::Outer) phase = std::max(phase, phase_[p.a]);
            if (p.kind == PK::Column && std::find(m.columns.begin(), m.columns.end(), p.j) == m.columns.end())
                m.columns.push_back(p.j);
        }
        for (const GuardInfo& g : mb.prog.guards) {
            phase = std::max({phase, phase_[g.lo], phase_[g.hi]});
            if (!g.on_loop_var) phase = std::max(phase, phase_[g.k]);
        }
        m.phase = phase;
        // Signature order, so that messages name x before y whatever the canonical order.
        std::sort(m.columns.begin(), m.columns.end());
        if (b.rows && m.columns.empty()) {
            m.columns = data_columns_;
            if (m.columns.empty())
                throw Error(std::string(e.is(Op::RowMean) ? "the mean " : e.is(Op::RowMax) ? "the maximum " : "the sum ") + text(e) +
                            " over data rows reads no data column, and the signature has none to count the rows");
        }
        activations(mb);
        std::uint32_t id = static_cast<std::uint32_t>(plan_.members.size());
        plan_.members.push_back(std::move(m));
        bodies_.push_back(std::move(mb));
        return id;
    }

    // From the term down: an operand of a Guard is reached only where the guard holds.
    static void activations(MemberBody& mb) {
        const auto& code = mb.prog.code;
        mb.act.assign(code.size(), {});
        mb.act[mb.term].push_back(Activation{0, {}});
        for (std::size_t i = code.size(); i-- > 0;) {
            auto& here = mb.act[i];
            if (here.size() > kMaxActivations) here.assign(1, Activation{0, {}});
            body_operands(code[i], [&](std::uint32_t u) {
                for (const Activation& a : here) {
                    Activation n = a;
                    if (code[i].kind == PK::Guard) {
                        auto at = std::lower_bound(n.guards.begin(), n.guards.end(), code[i].j);
                        if (at == n.guards.end() || *at != code[i].j) n.guards.insert(at, code[i].j);
                    }
                    if (std::find(mb.act[u].begin(), mb.act[u].end(), n) == mb.act[u].end()) mb.act[u].push_back(n);
                }
            });
        }
    }

    // --- fusion

    // The part of a bound that is not an integer constant: n - 1 and n + 1 share the base n.
    static std::vector<NodeId> base_of(Expr e) {
        if (e.is_number() && e.number().is_integer()) return {};
        if (e.is(Op::Add) && e[0].is_number() && e[0].number().is_integer()) {
            std::vector<NodeId> ids;
            for (std::size_t i = 1; i < e.size(); ++i) ids.push_back(e[i].id());
            return ids;
        }
        return {e.id()};
    }

    // Members of one phase are fused into one loop when they are connected through shared
    // vectors: row loops through a column they read (then every one of them has the same
    // rows whenever each is valid), index loops through a vector they index with the loop
    // variable (so that f and its gradient, or the gradient's bounds 1..len(x) and the sum's
    // 1..n-1, share one pass over x), or through bounds equal but for a constant. Loops over
    // unrelated vectors stay apart: fused, the longer would run where the shorter's reads fall
    // outside its vector, one element at a time. Index loops that read no vector share a loop.
    void group_members() {
        const std::size_t n = plan_.members.size();
        std::vector<std::uint32_t> parent(n);
        std::iota(parent.begin(), parent.end(), 0u);
        auto find = [&](std::uint32_t x) {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        };
        // (kind, phase, what) -> the first member with it; kind 0: a column, 1: an indexed
        // vector, 2: no vector at all.
        std::map<std::tuple<int, std::uint32_t, std::uint32_t>, std::uint32_t> owner;
        std::map<std::tuple<std::uint32_t, std::vector<NodeId>, std::vector<NodeId>>, std::uint32_t> by_bounds;
        auto join = [&](std::uint32_t i, std::uint32_t other) { parent[find(i)] = find(other); };
        for (std::uint32_t i = 0; i < n; ++i) {
            const Member& m = plan_.members[i];
            if (m.rows) {
                for (std::uint32_t c : m.columns) {
                    auto [it, fresh] = owner.emplace(std::tuple(0, m.phase, c), i);
                    if (!fresh) join(i, it->second);
                }
                continue;
            }
            bool reads = false;
            for (const PInst& p : bodies_[i].prog.code) {
                if (p.kind != PK::Load) continue;
                reads = true;
                auto [it, fresh] = owner.emplace(std::tuple(1, m.phase, p.j), i);
                if (!fresh) join(i, it->second);
            }
            if (!reads) {
                auto [it, fresh] = owner.emplace(std::tuple(2, m.phase, 0u), i);
                if (!fresh) join(i, it->second);
            }
            Expr e = (*ctx_)[m.node];
            auto [it, fresh] = by_bounds.emplace(std::tuple(m.phase, base_of(e[1]), base_of(e[2])), i);
            if (!fresh) join(i, it->second);
        }
        std::vector<std::vector<std::uint32_t>> groups;
        std::map<std::uint32_t, std::uint32_t> group_of_root;
        for (std::uint32_t i = 0; i < n; ++i) {
            auto [it, fresh] = group_of_root.emplace(find(i), static_cast<std::uint32_t>(groups.size()));
            if (fresh) groups.emplace_back();
            groups[it->second].push_back(i);
        }
        // Groups run by phase; within a phase in order of first use.
        std::vector<std::uint32_t> order(groups.size());
        std::iota(order.begin(), order.end(), 0u);
        std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
            return plan_.members[groups[a][0]].phase < plan_.members[groups[b][0]].phase;
        });
        for (std::uint32_t gi : order) plan_.groups.push_back(merge(groups[gi], static_cast<std::uint32_t>(plan_.groups.size())));
    }

    Group merge(const std::vector<std::uint32_t>& members, std::uint32_t gid) {
        Group g;
        Member& first = plan_.members[members[0]];
        g.rows = first.rows;
        g.phase = first.phase;
        g.members = members;
        Program prog;
        std::map<NodeId, std::uint32_t> check_of;
        for (std::uint32_t mi = 0; mi < members.size(); ++mi) {
            Member& m = plan_.members[members[mi]];
            m.group = gid;
            const MemberBody& mb = bodies_[members[mi]];
            if (!g.rows) {
                // A MaxOver has the bounds of the sum of exponentials it shifts.
                const char* what = m.op == Op::Vec ? "vector bound" : "sum bound";
                Expr e = (*ctx_)[m.node];
                g.int_checks.push_back({m.lo, e[1].id(), what});
                g.int_checks.push_back({m.hi, e[2].id(), what});
            }
            std::vector<std::uint32_t> gmap(mb.prog.guards.size());
            for (std::size_t k = 0; k < mb.prog.guards.size(); ++k) {
                std::size_t before = prog.guards.size();
                gmap[k] = prog.guard(mb.prog.guards[k]);
                if (prog.guards.size() != before) {
                    const GuardInfo& gi = mb.prog.guards[k];
                    Expr ge = (*ctx_)[gi.node];
                    if (!gi.on_loop_var) g.int_checks.push_back({gi.k, ge[0].id(), "guard index"});
                    g.int_checks.push_back({gi.lo, ge[1].id(), "guard bound"});
                    g.int_checks.push_back({gi.hi, ge[2].id(), "guard bound"});
                }
            }
            std::vector<std::uint32_t> map(mb.prog.code.size());
            for (std::size_t i = 0; i < mb.prog.code.size(); ++i) {
                PInst p = mb.prog.code[i];
                switch (p.kind) {
                case PK::Add: case PK::Mul: p.a = map[p.a]; p.b = map[p.b]; break;
                case PK::Apply: p.a = map[p.a]; p.b = map[p.b]; break;
                case PK::Guard: p.a = map[p.a]; p.j = gmap[p.j]; break;
                default: break;
                }
                map[i] = prog.push(p);
                if (p.kind == PK::Load) {
                    auto [it, fresh] = check_of.emplace(p.node, static_cast<std::uint32_t>(g.range_checks.size()));
                    if (fresh) g.range_checks.push_back({p.node, p.j, p.c, {}});
                    RangeCheck& rc = g.range_checks[it->second];
                    for (Activation a : mb.act[i]) {
                        a.member = mi;
                        for (auto& x : a.guards) x = gmap[x];
                        std::sort(a.guards.begin(), a.guards.end());
                        if (std::find(rc.where.begin(), rc.where.end(), a) == rc.where.end()) rc.where.push_back(a);
                    }
                }
            }
            m.term = map[mb.term];
        }
        g.body = std::move(prog.code);
        g.guards = std::move(prog.guards);
        return g;
    }

    void schedule() {
        plan_.outer = std::move(outer_.code);
        plan_.outer_guards = std::move(outer_.guards);
        std::uint32_t phases = 1;
        for (std::uint32_t p : phase_) phases = std::max(phases, p + 1);
        for (const Group& g : plan_.groups) phases = std::max(phases, g.phase + 1);
        plan_.phases = phases;
        plan_.schedule.resize(plan_.outer.size());
        std::iota(plan_.schedule.begin(), plan_.schedule.end(), 0u);
        if (phases > 1)
            std::stable_sort(plan_.schedule.begin(), plan_.schedule.end(),
                         [&](std::uint32_t a, std::uint32_t b) { return phase_[a] < phase_[b]; });
        plan_.phase_end.assign(phases, 0);
        for (std::uint32_t p = 0; p < phases; ++p)
            plan_.phase_end[p] = static_cast<std::uint32_t>(
                std::count_if(phase_.begin(), phase_.end(), [&](std::uint32_t q) { return q <= p; }));
    }

    const Context* ctx_ = nullptr;
    LoopPlan plan_;
    std::unordered_map<NodeId, std::uint32_t> scalar_ix_, vector_ix_;
    std::vector<Expr> roots_;
    mutable std::vector<NodeId> topo_;
    mutable std::unordered_map<NodeId, std::uint32_t> pos_;
    std::vector<char> bare_;
    std::vector<std::uint32_t> data_columns_; ///< signature vector indices, in order
    std::unordered_map<NodeId, std::vector<char>> dep_;
    Program outer_{.intern_all = false};
    std::vector<std::uint32_t> phase_;
    DenseMemo outer_memo_;
    std::unordered_map<NodeId, std::uint32_t> member_ids_;
    std::unordered_map<NodeId, std::uint32_t> map_ids_; ///< mapped outputs (build_map)
    std::vector<MemberBody> bodies_;
};

std::string element_word(std::int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

} // namespace

LoopPlan LoopPlan::build(std::span<const Expr> written, const Signature& signature) {
    const std::vector<Expr> outputs = closed_forms(stable_forms(written));
    Builder b(outputs, signature);
    return b.finish(outputs);
}

LoopPlan LoopPlan::build_map(std::span<const Expr> written, const Signature& signature) {
    const std::vector<Expr> outputs = closed_forms(stable_forms(written));
    Builder b(outputs, signature);
    return b.finish(outputs, true);
}

std::string not_integer_message(const Context& ctx, const IntCheck& check, double value) {
    if (value == std::trunc(value))
        return std::string(check.what) + " " + to_string(ctx[check.expr]) + " = " + number_text(value) + " is too large";
    return std::string(check.what) + " " + to_string(ctx[check.expr]) + " = " + number_text(value) + " is not an integer";
}

std::string index_not_integer_message(const Context& ctx, NodeId at, double value) {
    Expr e = ctx[at];
    std::string what = value == std::trunc(value) ? " is too large" : " is not an integer";
    return "index " + to_string(e[1]) + " = " + number_text(value) + " of " + at_text(e) + what;
}

std::string out_of_range_message(const Context& ctx, NodeId at, std::int64_t element, std::int64_t length) {
    Expr e = ctx[at];
    const std::string& x = e[0].name();
    return "index out of range: " + at_text(e) + " reads " + x + "[" + std::to_string(element) + "], " + x +
           " has " + element_word(length, "element", "elements");
}

std::string column_lengths_message(const LoopPlan& plan, const Member& m, std::uint32_t a, std::int64_t la,
                                   std::uint32_t b, std::int64_t lb) {
    return std::string("columns of different lengths in one ") + (m.op == Op::RowMean ? "mean" : "sum") + ": " +
           plan.vector_names[a] + " has " + element_word(la, "row", "rows") + ", " + plan.vector_names[b] + " has " +
           std::to_string(lb);
}

} // namespace symdiff::detail
