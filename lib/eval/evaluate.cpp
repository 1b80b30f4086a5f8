// evaluate(): one loop over the topological order, children before parents, so that no
// expression is too deep to evaluate and every shared node is computed once.
#include <algorithm>
#include <vector>

#include "eval/semantics.hpp"
#include "eval/stable.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"

namespace symdiff {

namespace {

// A sum over a constant range (sum(i = 1..4, i^2)) has a value without vectors or data: the
// LoopInterpreter's, with the bound variables as its scalars. Its index is a symbol of the
// DAG, which the loop below would report as an unknown variable.
bool has_loops(const std::vector<NodeId>& order, const Context& ctx) {
    for (NodeId id : order) {
        Op op = ctx[id].op();
        if (is_reduction(op) || op == Op::At || op == Op::Len || op == Op::Guard || op == Op::Vec) return true;
    }
    return false;
}

double evaluate_loops(Expr e, const Bindings& at) {
    Signature sig;
    std::vector<double> values;
    for (Expr v : free_symbols(e)) {
        auto it = at.find(v.name());
        if (it == at.end()) continue; // the LoopInterpreter names it
        sig.scalars.push_back(v);
        values.push_back(it->second);
    }
    LoopInterpreter li(std::span<const Expr>(&e, 1), sig);
    if (li.scalar_outputs() != 1) throw Error("cannot evaluate a vector to a number");
    double out = 0;
    LoopArgs args;
    args.scalars = values.data();
    args.out = &out;
    li.run(args);
    return out;
}

} // namespace

double evaluate(Expr written, const Bindings& at) {
    const Expr e = detail::stable_forms(std::span<const Expr>(&written, 1))[0];
    const std::vector<NodeId> order = topological_order(std::span<const Expr>(&e, 1));
    const Context& ctx = e.context();
    if (has_loops(order, ctx)) return evaluate_loops(written, at);
    std::vector<double> value(order.size());
    // `order` is sorted by id, so a child's position is found by binary search: slow, simple
    // and independent of the Interpreter's slot assignment, which this function checks.
    auto of = [&](NodeId id) { return value[std::lower_bound(order.begin(), order.end(), id) - order.begin()]; };
    for (std::size_t i = 0; i < order.size(); ++i) {
        Expr n = ctx[order[i]];
        double v = 0;
        switch (n.op()) {
        case Op::Num:
            v = n.number().value();
            break;
        case Op::Sym: {
            auto it = at.find(n.name());
            if (it == at.end()) throw Error("unknown variable '" + n.name() + "'");
            v = it->second;
            break;
        }
        case Op::Pi:
            v = detail::kPi;
            break;
        case Op::Add:
            v = of(n.child_ids()[0]);
            for (std::size_t k = 1; k < n.size(); ++k) v = v + of(n.child_ids()[k]);
            break;
        case Op::Mul:
            v = of(n.child_ids()[0]);
            for (std::size_t k = 1; k < n.size(); ++k) v = v * of(n.child_ids()[k]);
            break;
        case Op::Pow:
            v = detail::apply_power(detail::plan_power(n[1]), of(n.child_ids()[0]), of(n.child_ids()[1]));
            break;
        case Op::List:
            throw Error("cannot evaluate a list to a number");
        case Op::At: case Op::Len: case Op::Sum: case Op::RowSum: case Op::RowMean: case Op::Guard: case Op::Vec:
        case Op::MaxOver: case Op::RowMax:
            throw Error("sums, indexed vectors and data need a LoopInterpreter (eval.hpp)");
        default:
            v = detail::apply_function(n.op(), of(n.child_ids()[0]), n.size() > 1 ? of(n.child_ids()[1]) : 0.0);
            break;
        }
        value[i] = v;
    }
    return value.back();
}

} // namespace symdiff
