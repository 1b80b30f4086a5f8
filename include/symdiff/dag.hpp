/// \file Walking the expression DAG: a read-only visitor, a memoised fold and a mapper.
///
/// Every pass over an expression visits each distinct node once, children before parents
/// (increasing id order, see topological_order), however many times the node is shared. The
/// mapper is the fold whose values are expressions: in the manner of Halide's IRGraphMutator,
/// it rebuilds a node only when one of its children changed, so an untouched subgraph comes
/// back as the same node.
#pragma once

#include <algorithm>
#include <concepts>
#include <span>
#include <type_traits>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff {

/// Calls visit(n) for each node reachable from the roots, children before parents, each once.
/// A visit that returns bool ends the walk at the first false, and the walk then returns
/// false; otherwise it returns true.
template <class Visit>
bool for_each_node(std::span<const Expr> roots, Visit&& visit) {
    if (roots.empty()) return true;
    Context& c = roots[0].context();
    for (NodeId id : topological_order(roots)) {
        if constexpr (std::same_as<std::invoke_result_t<Visit&, Expr>, bool>) {
            if (!visit(c[id])) return false;
        } else {
            visit(c[id]);
        }
    }
    return true;
}

template <class Visit>
bool for_each_node(Expr root, Visit&& visit) {
    return for_each_node(std::span<const Expr>(&root, 1), visit);
}

/// True if some node reachable from root (root included) satisfies pred.
template <class Pred>
bool any_node(Expr root, Pred&& pred) {
    return !for_each_node(root, [&](Expr n) -> bool { return !pred(n); });
}

/// A memoised post-order fold: value(n, kids) is called once per distinct node reachable from
/// root, children first, with kids[i] the value of n[i]; returns the value of root.
template <class T, class Value>
T fold_dag(Expr root, Value&& value) {
    const std::vector<NodeId> order = topological_order(std::span<const Expr>(&root, 1));
    std::vector<T> values;
    values.reserve(order.size());
    std::vector<T> kids;
    Context& c = root.context();
    for (NodeId id : order) {
        const Expr n = c[id];
        kids.clear();
        for (NodeId k : n.child_ids())
            kids.push_back(values[std::lower_bound(order.begin(), order.end(), k) - order.begin()]);
        values.push_back(value(n, std::span<const T>(kids)));
    }
    return values.back();
}

/// The mapper: rebuilds root bottom-up, once per distinct node. Each node is first rebuilt
/// from its children's results with the canonicalising constructors (Context::rebuild; the
/// node itself when no child changed), then at(rebuilt, original) gives what stands for the
/// original in its parents. An `at` that returns its first argument rebuilds nothing.
template <class At>
Expr map_dag(Expr root, At&& at) {
    Context& c = root.context();
    return fold_dag<Expr>(root, [&](Expr n, std::span<const Expr> kids) {
        bool changed = false;
        for (std::size_t i = 0; i < kids.size(); ++i) changed |= kids[i].id() != n.child_ids()[i];
        return at(changed ? c.rebuild(n, kids) : n, n);
    });
}

} // namespace symdiff
