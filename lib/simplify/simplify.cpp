// The simplification driver: bottom-up rewriting to a fixpoint under a decreasing cost.
#include "symdiff/simplify.hpp"

#include <limits>
#include <unordered_map>

#include "rational.hpp"
#include "rules.hpp"
#include "symdiff/dag.hpp"
#include "symdiff/diagnostic.hpp"

namespace symdiff {

namespace {


constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max() / 4;
// Rounds over the whole expression, and rewrites at one node per round: both are caps that
// normal inputs never reach (each rewrite lowers the cost, which bounds them anyway).
constexpr int kMaxRounds = 8;
constexpr int kMaxRewritesAtNode = 32;

class Simplifier {
public:
    std::uint64_t cost(Expr e) {
        if (auto it = cost_.find(e.id()); it != cost_.end()) return it->second;
        // Post-order over the not yet costed part of the DAG with an explicit stack.
        std::vector<std::pair<Expr, bool>> stack{{e, false}};
        while (!stack.empty()) {
            auto [n, expanded] = stack.back();
            stack.pop_back();
            if (cost_.count(n.id())) continue;
            if (!expanded) {
                stack.emplace_back(n, true);
                for (std::size_t i = 0; i < n.size(); ++i)
                    if (!cost_.count(n.child_ids()[i])) stack.emplace_back(n[i], false);
                continue;
            }
            // A negative constant costs one more: its minus sign is printed.
            std::uint64_t c = n.is_number() && n.number().is_negative() ? 2 : 1;
            for (NodeId k : n.child_ids()) c = std::min(kSaturated, c + cost_.at(k));
            cost_.emplace(n.id(), c);
        }
        return cost_.at(e.id());
    }

    Expr at_root(Expr e) {
        for (int n = 0; n < kMaxRewritesAtNode; ++n) {
            bool changed = false;
            for (std::size_t i = 0; i < detail::rule_count(); ++i) {
                Expr r = detail::try_rule(i, e);
                if (r.is_null() || r == e) continue;
                if (cost(r) + detail::rule_min_saving(i) > cost(e)) continue;
                e = r;
                changed = true;
                break;
            }
            if (!changed) break;
        }
        return e;
    }

    Expr round(Expr e) {
        return map_dag(e, [&](Expr rebuilt, Expr) { return at_root(rebuilt); });
    }

private:
    std::unordered_map<NodeId, std::uint64_t> cost_;
};

} // namespace

Expr simplify(Expr e) {
    Simplifier s;
    for (int r = 0; r < kMaxRounds; ++r) {
        Expr next = s.round(e);
        if (next == e) break;
        e = next;
    }
    return e;
}

Expr exact_value(Expr e, std::span<const std::pair<Expr, Expr>> values, std::size_t max_nodes) {
    if (dag_size(e) > max_nodes) return Expr();
    // A sum's exact value is no business of a printed line, and simplifying one over a huge
    // constant range (sum(i = 1..10^15, i)) must not be tried.
    if (any_node(e, [](Expr n) { return is_reduction(n.op()) || n.is(Op::At) || n.is(Op::Len) || n.is(Op::Guard); }))
        return Expr();
    for (const auto& [s, v] : values)
        if (v.is_null() || !free_symbols(v).empty()) return Expr();
    // Roots of constants in one normal form (6/sqrt(2) -> 3*sqrt(2)): not a rule of simplify,
    // since sqrt(8) -> 2*sqrt(2) is longer, but the form a book gives for a value.
    Expr r = detail::normalize_roots(simplify(substitute(e, values)));
    if (!free_symbols(r).empty()) return Expr();
    if (r.is_number()) {
        const Number& n = r.number();
        // A rational with a short decimal (1/4) is what its double prints already.
        if (!n.is_exact() || n.as_decimal().prints_as_decimal()) return Expr();
        return r;
    }
    const bool exact = for_each_node(r, [](Expr n) {
        switch (n.op()) {
        case Op::Num: return n.number().is_exact();
        case Op::Pi:
        case Op::Add:
        case Op::Mul: return true;
        case Op::Pow: return n[1].is_number();
        default: return false;
        }
    });
    return exact ? r : Expr();
}

std::span<const RuleInfo> simplify_rules() {
    static const std::vector<RuleInfo> infos = [] {
        std::vector<RuleInfo> v;
        for (std::size_t i = 0; i < detail::rule_count(); ++i) v.push_back(detail::rule_info(i));
        return v;
    }();
    return infos;
}

Expr apply_rule(std::string_view name, Expr e) {
    for (std::size_t i = 0; i < detail::rule_count(); ++i)
        if (detail::rule_info(i).name == name) return detail::try_rule(i, e);
    throw Error("no simplification rule named '" + std::string(name) + "'");
}

std::uint64_t simplify_cost(Expr e) { return Simplifier().cost(e); }

} // namespace symdiff
