// Queries over the DAG of an expression: its free symbols, substitution, and the topological
// order that dag.hpp's visitor, fold and mapper walk.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "ir/hash.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/expr.hpp"

namespace symdiff {

namespace {

// Walks the DAG of e once per distinct scope (the set of index symbols bound around a node),
// calling on_free(sym) for each symbol occurrence that no enclosing Sum or Vec binds; stops
// early when on_free returns true. Expressions without reductions have one scope, so this is
// one ordinary DAG walk.
template <typename OnFree>
void walk_free(Expr e, OnFree on_free) {
    std::vector<std::vector<NodeId>> scopes{{}};
    auto scope_with = [&](unsigned s, NodeId bound) {
        std::vector<NodeId> v = scopes[s];
        if (std::find(v.begin(), v.end(), bound) == v.end()) v.push_back(bound);
        std::sort(v.begin(), v.end());
        for (unsigned i = 0; i < scopes.size(); ++i)
            if (scopes[i] == v) return i;
        scopes.push_back(std::move(v));
        return static_cast<unsigned>(scopes.size() - 1);
    };
    std::unordered_set<std::uint64_t> seen;
    std::vector<std::pair<Expr, unsigned>> stack{{e, 0u}};
    while (!stack.empty()) {
        auto [t, s] = stack.back();
        stack.pop_back();
        if (!seen.insert((std::uint64_t{s} << 32) | t.id()).second) continue;
        if (t.is_symbol()) {
            const auto& bound = scopes[s];
            if (!std::binary_search(bound.begin(), bound.end(), t.id()) && on_free(t)) return;
            continue;
        }
        if (binds_index(t.op())) {
            stack.push_back({t[3], scope_with(s, t[0].id())});
            stack.push_back({t[2], s});
            stack.push_back({t[1], s});
            continue;
        }
        for (std::size_t i = t.size(); i-- > 0;) stack.push_back({t[i], s});
    }
}

} // namespace

std::vector<Expr> free_symbols(Expr e) {
    std::vector<Expr> out;
    std::unordered_set<NodeId> got;
    walk_free(e, [&](Expr sym) {
        if (got.insert(sym.id()).second) out.push_back(sym);
        return false;
    });
    return out;
}

bool depends_on(Expr e, Expr s) {
    bool found = false;
    walk_free(e, [&](Expr sym) { return found = (sym == s); });
    return found;
}

Expr substitute(Expr e, std::span<const std::pair<Expr, Expr>> pairs) {
    if (pairs.empty()) return e;
    Context& ctx = e.context();
    // A scope is the set of pairs still active (not shadowed by an enclosing binder).
    std::vector<std::vector<char>> scopes{std::vector<char>(pairs.size(), 1)};
    auto shadow = [&](unsigned s, Expr index) {
        std::vector<char> v = scopes[s];
        for (std::size_t j = 0; j < pairs.size(); ++j)
            if (pairs[j].first == index) v[j] = 0;
        for (std::size_t j = 0; j < pairs.size(); ++j) {
            if (v[j] && depends_on(pairs[j].second, index) && depends_on(e, pairs[j].first))
                throw Error("cannot substitute an expression containing '" + index.name() +
                            "' inside a reduction over '" + index.name() + "'");
        }
        for (unsigned i = 0; i < scopes.size(); ++i)
            if (scopes[i] == v) return i;
        scopes.push_back(std::move(v));
        return static_cast<unsigned>(scopes.size() - 1);
    };
    std::unordered_map<std::uint64_t, Expr> done;
    auto key = [](Expr t, unsigned s) { return (std::uint64_t{s} << 32) | t.id(); };
    struct Frame {
        Expr t;
        unsigned s;
        bool expanded;
    };
    std::vector<Frame> stack{{e, 0u, false}};
    while (!stack.empty()) {
        Frame f = stack.back();
        stack.pop_back();
        std::uint64_t k = key(f.t, f.s);
        if (done.count(k)) continue;
        bool replaced = false;
        for (std::size_t j = 0; j < pairs.size() && !replaced; ++j) {
            if (scopes[f.s][j] && pairs[j].first == f.t) {
                done.emplace(k, pairs[j].second);
                replaced = true;
            }
        }
        if (replaced) continue;
        if (f.t.size() == 0) {
            done.emplace(k, f.t);
            continue;
        }
        auto kid_scope = [&](std::size_t i) {
            if (binds_index(f.t.op()) && i == 3) return shadow(f.s, f.t[0]);
            return f.s;
        };
        if (!f.expanded) {
            stack.push_back({f.t, f.s, true});
            for (std::size_t i = f.t.size(); i-- > 0;) {
                if (binds_index(f.t.op()) && i == 0) continue;
                stack.push_back({f.t[i], kid_scope(i), false});
            }
            continue;
        }
        boost::container::small_vector<Expr, 8> kids;
        bool same = true;
        for (std::size_t i = 0; i < f.t.size(); ++i) {
            Expr r = (binds_index(f.t.op()) && i == 0) ? f.t[0] : done.at(key(f.t[i], kid_scope(i)));
            same = same && r == f.t[i];
            kids.push_back(r);
        }
        done.emplace(k, same ? f.t : ctx.rebuild(f.t, std::span<const Expr>(kids.data(), kids.size())));
    }
    return done.at(key(e, 0));
}

std::vector<NodeId> topological_order(std::span<const Expr> roots) {
    if (roots.empty()) return {};
    const Context& ctx = roots[0].context();
    std::vector<char> seen(ctx.size(), 0);
    std::vector<NodeId> out, stack;
    for (Expr r : roots) stack.push_back(r.id());
    while (!stack.empty()) {
        NodeId id = stack.back();
        stack.pop_back();
        if (seen[id]) continue;
        seen[id] = 1;
        out.push_back(id);
        for (NodeId k : ctx[id].child_ids())
            if (!seen[k]) stack.push_back(k);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t dag_size(std::span<const Expr> roots) { return topological_order(roots).size(); }

} // namespace symdiff
