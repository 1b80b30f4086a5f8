// Loop rerolling (reroll.hpp): groups of same-shape terms of a flat sum become Sum nodes.
#include "symdiff/reroll.hpp"

#include <algorithm>
#include <cstdint>
#include <cstddef>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

namespace symdiff {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    // splitmix64's finaliser over the running hash: a shape key, checked later by identity,
    // so a collision only costs a failed check.
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

struct Term {
    Expr e;
    bool has_vars = false;
    std::size_t base = 0;       // smallest position in vars of a variable the term uses
    std::uint64_t shape = 0;    // key of the term with variables as offsets from base
    std::vector<std::size_t> offsets; // positions - base of the variables used, ascending
};

class Reroller {
public:
    Reroller(Expr f, std::span<const Expr> vars, const RerollOptions& options)
        : f_(f), vars_(vars), options_(options), ctx_(f.context()) {}

    std::optional<Rerolled> run() {
        if (!f_.is(Op::Add) || options_.min_terms < 2) return std::nullopt;
        for (std::size_t j = 0; j < vars_.size(); ++j) {
            if (!vars_[j].is_symbol() || &vars_[j].context() != &f_.context()) return std::nullopt;
            if (!position_.emplace(vars_[j].id(), j).second) return std::nullopt;
        }
        key_.assign(ctx_.size(), 0);
        seen_.assign(ctx_.size(), 0);
        terms_.reserve(f_.size());
        for (std::size_t t = 0; t < f_.size(); ++t)
            if (!describe(f_[t])) return std::nullopt;
        std::vector<Run> runs = find_runs();
        std::size_t stride = choose_stride(runs);
        if (stride == 0) return std::nullopt;
        std::vector<Group> groups;
        for (const Run& r : runs)
            if (r.stride == stride && r.members.size() >= options_.min_terms) verify(r, groups);
        if (groups.empty()) return std::nullopt;
        return build(groups, stride);
    }

private:
    struct Run {
        std::size_t stride = 0;
        std::vector<std::size_t> members; // term indices in increasing base
    };
    struct Group {
        std::vector<std::size_t> members; // term indices, the template first, bases ascending
    };

    // Fills terms_[t]; false if the term rules rerolling out (a foreign symbol, a vector,
    // a reduction or a list).
    bool describe(Expr e) {
        Term term;
        term.e = e;
        const std::vector<NodeId>& order = nodes_of(e);
        std::size_t lo = SIZE_MAX;
        for (NodeId id : order) {
            Expr n = ctx_[id];
            switch (n.op()) {
            case Op::Sym: {
                auto it = position_.find(id);
                if (it == position_.end()) return false;
                lo = std::min(lo, it->second);
                term.offsets.push_back(it->second);
                break;
            }
            case Op::List: case Op::At: case Op::Len: case Op::Sum: case Op::RowSum: case Op::RowMean:
            case Op::Guard: case Op::Vec:
                return false;
            default: break;
            }
        }
        if (lo != SIZE_MAX) {
            term.has_vars = true;
            term.base = lo;
            std::sort(term.offsets.begin(), term.offsets.end());
            for (std::size_t& o : term.offsets) o -= lo;
            std::vector<std::uint64_t> kids;
            for (NodeId id : order) {
                Expr n = ctx_[id];
                std::uint64_t k;
                if (n.is_symbol()) {
                    k = mix(0x53796d, position_.at(id) - lo);
                } else if (n.size() == 0) {
                    k = n.key();
                } else {
                    kids.clear();
                    for (NodeId c : n.child_ids()) kids.push_back(key_[c]);
                    // Commutative operands may sit in a different canonical order per term
                    // (the order keys symbols by name).
                    if (n.is(Op::Add) || n.is(Op::Mul)) std::sort(kids.begin(), kids.end());
                    k = mix(0x4f70, static_cast<std::uint64_t>(n.op()));
                    for (std::uint64_t c : kids) k = mix(k, c);
                }
                key_[id] = k;
            }
            term.shape = key_[e.id()];
        }
        terms_.push_back(std::move(term));
        return true;
    }

    // The nodes of one term in increasing id order (children first). topological_order()
    // would clear a flag per node of the Context for every term, quadratic over a flat sum.
    const std::vector<NodeId>& nodes_of(Expr e) {
        ++stamp_now_;
        order_.clear();
        stack_.assign(1, e.id());
        while (!stack_.empty()) {
            NodeId id = stack_.back();
            stack_.pop_back();
            if (seen_[id] == stamp_now_) continue;
            seen_[id] = stamp_now_;
            order_.push_back(id);
            for (NodeId k : ctx_[id].child_ids())
                if (seen_[k] != stamp_now_) stack_.push_back(k);
        }
        std::sort(order_.begin(), order_.end());
        return order_;
    }

    // Maximal runs of one shape whose bases advance by a constant stride.
    std::vector<Run> find_runs() const {
        std::vector<std::uint64_t> shapes; // in first appearance, for a deterministic result
        std::unordered_map<std::uint64_t, std::vector<std::size_t>> by_shape;
        for (std::size_t t = 0; t < terms_.size(); ++t) {
            if (!terms_[t].has_vars) continue;
            auto [it, fresh] = by_shape.try_emplace(terms_[t].shape);
            if (fresh) shapes.push_back(terms_[t].shape);
            it->second.push_back(t);
        }
        std::vector<Run> runs;
        for (std::uint64_t s : shapes) {
            std::vector<std::size_t>& ts = by_shape[s];
            std::sort(ts.begin(), ts.end(), [&](std::size_t a, std::size_t b) {
                return terms_[a].base != terms_[b].base ? terms_[a].base < terms_[b].base : a < b;
            });
            for (std::size_t i = 0; i < ts.size();) {
                Run r;
                r.members.push_back(ts[i]);
                std::size_t j = i + 1;
                if (j < ts.size() && terms_[ts[j]].base > terms_[ts[i]].base) {
                    r.stride = terms_[ts[j]].base - terms_[ts[i]].base;
                    while (j < ts.size() && terms_[ts[j]].base == terms_[ts[j - 1]].base + r.stride)
                        r.members.push_back(ts[j++]);
                }
                i = j;
                runs.push_back(std::move(r));
            }
        }
        return runs;
    }

    // The stride that rolls the most terms (the smaller one on a tie); 0 if none qualifies.
    std::size_t choose_stride(const std::vector<Run>& runs) const {
        std::map<std::size_t, std::size_t> covered;
        for (const Run& r : runs)
            if (r.stride > 0 && r.members.size() >= options_.min_terms) covered[r.stride] += r.members.size();
        std::size_t best = 0, most = 0;
        for (auto [stride, n] : covered)
            if (n > most) best = stride, most = n;
        return best;
    }

    // The pairs that rename the variables of term `t` (based at b) to those based at `to`;
    // false if a renamed position falls outside vars.
    bool shift_pairs(std::size_t t, std::size_t to, std::vector<std::pair<Expr, Expr>>& pairs) const {
        pairs.clear();
        for (std::size_t o : terms_[t].offsets) {
            if (to + o >= vars_.size()) return false;
            pairs.emplace_back(vars_[terms_[t].base + o], vars_[to + o]);
        }
        return true;
    }

    // Splits a run into groups whose every term is the first one renamed, exactly: the shape
    // key only proposes, substitution and node identity decide.
    void verify(const Run& r, std::vector<Group>& groups) const {
        std::vector<std::pair<Expr, Expr>> pairs;
        std::size_t start = 0;
        auto close = [&](std::size_t end) {
            if (end - start < options_.min_terms) return;
            groups.push_back({std::vector<std::size_t>(r.members.begin() + static_cast<std::ptrdiff_t>(start),
                                                       r.members.begin() + static_cast<std::ptrdiff_t>(end))});
        };
        for (std::size_t m = 1; m < r.members.size(); ++m) {
            std::size_t tmpl = r.members[start], t = r.members[m];
            bool same = terms_[t].offsets == terms_[tmpl].offsets && shift_pairs(tmpl, terms_[t].base, pairs) &&
                        substitute(terms_[tmpl].e, pairs) == terms_[t].e;
            if (!same) {
                close(m);
                start = m;
            }
        }
        close(r.members.size());
    }

    std::optional<Rerolled> build(const std::vector<Group>& groups, std::size_t stride) {
        Rerolled out;
        const std::size_t n = vars_.size();
        for (std::size_t r = 0; r < stride; ++r) {
            std::string name = "v";
            if (stride > 1) name += std::to_string(r + 1);
            out.vectors.push_back(ctx_.symbol(name));
            out.lengths.push_back(r < n ? (n - r + stride - 1) / stride : 0);
        }
        // vars[p] as element p / S + 1 of vector p % S, at a fixed position or at i + c.
        auto element = [&](std::size_t p, Expr index) {
            Expr k = ctx_.integer(static_cast<std::int64_t>(p / stride));
            return ctx_.at(out.vectors[p % stride], index.is_null() ? k + ctx_.integer(1) : index + k);
        };
        Expr i = ctx_.symbol("i");
        std::vector<bool> rolled(terms_.size(), false);
        std::map<std::size_t, std::vector<Expr>> bodies; // by count: groups of one range share a Sum
        for (const Group& g : groups) {
            const Term& t0 = terms_[g.members[0]];
            std::vector<std::pair<Expr, Expr>> pairs;
            for (std::size_t o : t0.offsets) pairs.emplace_back(vars_[t0.base + o], element(t0.base + o, i));
            bodies[g.members.size()].push_back(substitute(t0.e, pairs));
            out.rolled_terms += g.members.size();
            for (std::size_t t : g.members) rolled[t] = true;
        }
        std::vector<Expr> parts;
        for (auto& [count, bs] : bodies) {
            parts.push_back(ctx_.sum(i, ctx_.integer(1), ctx_.integer(static_cast<std::int64_t>(count)), ctx_.add(bs)));
            ++out.loops;
        }
        for (std::size_t t = 0; t < terms_.size(); ++t) {
            if (rolled[t]) continue;
            const Term& term = terms_[t];
            if (!term.has_vars) {
                parts.push_back(term.e);
                continue;
            }
            if (++out.leftover_terms > options_.max_leftovers) return std::nullopt;
            std::vector<std::pair<Expr, Expr>> pairs;
            for (std::size_t o : term.offsets) pairs.emplace_back(vars_[term.base + o], element(term.base + o, Expr()));
            parts.push_back(substitute(term.e, pairs));
        }
        out.expr = ctx_.add(parts);
        return out;
    }

    Expr f_;
    std::span<const Expr> vars_;
    const RerollOptions& options_;
    Context& ctx_;
    std::unordered_map<NodeId, std::size_t> position_;
    std::vector<Term> terms_;
    std::vector<std::uint64_t> key_;   // shape key of each node of the current term, by id
    std::vector<std::uint32_t> seen_;  // the term (stamp) that last visited each node, by id
    std::uint32_t stamp_now_ = 0;
    std::vector<NodeId> order_, stack_;
};

} // namespace

std::optional<Rerolled> reroll(Expr f, std::span<const Expr> vars, const RerollOptions& options) {
    if (f.is_null()) return std::nullopt;
    return Reroller(f, vars, options).run();
}

} // namespace symdiff
