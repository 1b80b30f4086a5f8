// evaluate(): one loop over the topological order, children before parents, so that no
// expression is too deep to evaluate and every shared node is computed once.
#include <algorithm>
#include <vector>

#include "eval/semantics.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"

namespace symdiff {

double evaluate(Expr e, const Bindings& at) {
    const std::vector<NodeId> order = topological_order(std::span<const Expr>(&e, 1));
    const Context& ctx = e.context();
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
