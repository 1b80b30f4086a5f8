// Differentiation: forward diff and reverse-mode gradients (partials.cpp: the table of local
// partial derivatives; vectors.cpp: derivatives by a vector variable).
#include "symdiff/diff.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_set>

#include "symdiff/dag.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/print.hpp"
#include "diff/reverse.hpp"

namespace symdiff {

using detail::body_of;
using detail::is_scalar_reduction;
using detail::is_zero;
using detail::require_symbol;
using detail::rereduce;

namespace {


constexpr NodeId kNone = ~NodeId{0};


// The reachable nodes of e (children first) and, for each id, its position in that order.
struct Order {
    std::vector<NodeId> ids;
    std::vector<std::uint32_t> pos; // indexed by NodeId; kNone where unreachable
};

Order order_of(std::span<const Expr> roots) {
    Order o;
    o.ids = topological_order(roots);
    NodeId max_id = o.ids.empty() ? 0 : o.ids.back();
    o.pos.assign(std::size_t{max_id} + 1, kNone);
    for (std::uint32_t k = 0; k < o.ids.size(); ++k) o.pos[o.ids[k]] = k;
    return o;
}

} // namespace

namespace {

// a * d node/d child_i, built with one call of the constructors in the common cases (sums,
// products, constant powers), so that the sweep makes no intermediate node it then discards.
Expr scaled_partial(Context& c, Expr node, std::size_t i, Expr a) {
    switch (node.op()) {
    case Op::Add:
        return a;
    case Op::Mul: {
        // a * (the other factors)
        std::vector<Expr> f{a};
        for (std::size_t j = 0; j < node.size(); ++j)
            if (j != i) f.push_back(node[j]);
        return c.mul(f);
    }
    case Op::Pow:
        // a * n*b^(n-1) for a constant exponent n
        if (i == 0 && node[1].is_number())
            return c.mul({a, node[1], c.pow(node[0], c.number(node[1].number() - Number::integer(1)))});
        break;
    default:
        break;
    }
    if (a.is_integer(1)) return local_partial(node, i);
    return c.mul({a, local_partial(node, i)});
}




// Bounds and indices are integers and x[k] reads a value at an integer position, so only the
// body of a reduction or guard, and every operand of the ordinary nodes, carries a derivative.
bool differentiable_kid(Expr n, std::size_t i) {
    switch (n.op()) {
    case Op::At: case Op::Len: return false;
    case Op::Sum: case Op::Guard: case Op::Vec: return i == 3;
    default: return true;
    }
}

[[noreturn]] void list_inside() { throw Error("a list cannot appear inside an expression that is differentiated"); }
[[noreturn]] void vec_inside() {
    throw Error("a vector [... for k = ...] is an output and cannot appear inside an expression that is differentiated");
}

// The adjoints of one reverse sweep, each a product kept as a path in a tree: a node's value is
// its factor times its parent's value, and node 0 (the tree's root) is 1. The IR keeps products
// flat, so along a chain (sin(sin(... + x) + x)) the adjoint a*f of the next node down is a new
// flat product one factor longer than a: made eagerly, a chain n deep costs n^2/2 factors, and
// the sum of the n contributions that reach x another n^2/2. Here an adjoint that is already a
// long product is not multiplied out: the contribution is a tree node under it, so going down a
// chain costs one node a level, and contributions meeting at a node are summed as a nested
// (Horner) form of their shared prefixes, c_n*(1 + c_(n-1)*(1 + ...)), linear in the chain.
// Short adjoints (a flat product of at most kFlatFactors factors, so every expression of usual
// size) are made exactly as before, as one flat product, so those results do not change.
class Adjoints {
public:
    static constexpr std::size_t kFlatFactors = 32;

    explicit Adjoints(Context& c) : c_(c) { t_.push_back({0, 0, 0, c.integer(1)}); }

    // A node whose value is v itself.
    std::uint32_t flat(Expr v) { return under(0, v); }
    // True if the value of a is its factor, short enough to be multiplied out as before. A
    // product's cost is its factors and the terms of the exponents its equal bases merge into
    // (x^(x^x)*x^x is x^(x^x + x): up a tower the exponent grows by one term a level).
    bool eager(std::uint32_t a) const {
        if (t_[a].parent != 0) return false;
        const Expr f = t_[a].factor;
        std::size_t width = 0;
        auto exponent_terms = [](Expr p) { return p.is(Op::Pow) && p[1].is(Op::Add) ? p[1].size() : 0; };
        if (f.is(Op::Mul)) {
            width = f.size();
            for (std::size_t i = 0; i < f.size() && width <= kFlatFactors; ++i) width += exponent_terms(f[i]);
        } else {
            width = exponent_terms(f);
        }
        return width <= kFlatFactors;
    }
    bool is_flat(std::uint32_t a) const { return t_[a].parent == 0; }
    Expr factor(std::uint32_t a) const { return t_[a].factor; }
    bool zero(std::uint32_t a) const { return is_flat(a) && is_zero(t_[a].factor); }

    // The node a*f (f not 0).
    std::uint32_t under(std::uint32_t a, Expr f) {
        // Skew-binary jump pointers (Myers): a jump from any node skips at most twice as far as
        // the last one, so an ancestor at a given depth is found in O(log depth) steps.
        const std::uint32_t j = t_[a].jump, jj = t_[j].jump;
        const std::uint32_t jump = t_[a].depth - t_[j].depth == t_[j].depth - t_[jj].depth ? jj : a;
        t_.push_back({a, jump, t_[a].depth + 1, f});
        return static_cast<std::uint32_t>(t_.size() - 1);
    }

    // The value of a as one flat product.
    Expr value(std::uint32_t a) {
        if (is_flat(a)) return t_[a].factor;
        std::vector<Expr> fs;
        for (; a != 0; a = t_[a].parent) fs.push_back(t_[a].factor);
        return c_.mul(fs);
    }

    // The node whose value is the sum of the values of ts (at least two).
    std::uint32_t sum(std::span<const std::uint32_t> ts) {
        if (std::all_of(ts.begin(), ts.end(), [&](std::uint32_t t) { return is_flat(t); })) {
            std::vector<Expr> vs;
            for (std::uint32_t t : ts) vs.push_back(t_[t].factor);
            return flat(c_.add(vs));
        }
        // Every value is the value of the deepest common ancestor l times a product below l:
        // sum those products over the tree of paths from the ts up to l, each node's sum being
        // (how often it is a t) + the sum over its children of child factor * child's sum.
        std::uint32_t l = ts[0];
        for (std::uint32_t t : ts) l = common_ancestor(l, t);
        ++gen_;
        if (stamp_.size() < t_.size()) {
            stamp_.resize(t_.size(), 0);
            slot_.resize(t_.size(), 0);
        }
        marked_.clear();
        auto mark = [&](std::uint32_t u) {
            stamp_[u] = gen_;
            slot_[u] = static_cast<std::uint32_t>(marked_.size());
            marked_.push_back(u);
        };
        mark(l);
        std::vector<std::int64_t> count(1, 0);
        for (std::uint32_t t : ts) {
            if (stamp_[t] == gen_) {
                ++count[slot_[t]];
                continue;
            }
            mark(t);
            count.push_back(1);
            for (std::uint32_t u = t_[t].parent; stamp_[u] != gen_; u = t_[u].parent) {
                mark(u);
                count.push_back(0);
            }
        }
        // A node's sum is kept as a list of factors while it has a single term, so that a long
        // run of nodes with one child each is multiplied out once, not once per node.
        std::vector<std::uint32_t> order(marked_.size());
        for (std::uint32_t s = 0; s < order.size(); ++s) order[s] = s;
        std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return marked_[a] > marked_[b]; });
        std::vector<std::vector<std::vector<Expr>>> terms(marked_.size());
        auto product = [&](const std::vector<Expr>& fs) { return fs.size() == 1 ? fs[0] : c_.mul(fs); };
        Expr total;
        for (std::uint32_t s : order) {
            const std::uint32_t u = marked_[s];
            std::vector<Expr> own;
            if (count[s] == 0 && terms[s].size() == 1) {
                own = std::move(terms[s][0]);
            } else {
                std::vector<Expr> parts;
                if (count[s] != 0) parts.push_back(c_.integer(count[s]));
                for (const std::vector<Expr>& fs : terms[s]) parts.push_back(product(fs));
                own.push_back(parts.size() == 1 ? parts[0] : c_.add(parts));
            }
            std::vector<std::vector<Expr>>().swap(terms[s]);
            if (u == l) {
                total = product(own);
                break;
            }
            own.push_back(t_[u].factor);
            terms[slot_[t_[u].parent]].push_back(std::move(own));
        }
        if (is_zero(total) || l == 0) return flat(total);
        return total.is_integer(1) ? l : under(l, total);
    }

private:
    struct Node {
        std::uint32_t parent, jump, depth;
        Expr factor;
    };

    std::uint32_t common_ancestor(std::uint32_t a, std::uint32_t b) const {
        if (t_[a].depth < t_[b].depth) std::swap(a, b);
        while (t_[a].depth > t_[b].depth)
            a = t_[t_[a].jump].depth >= t_[b].depth ? t_[a].jump : t_[a].parent;
        while (a != b) {
            // at equal depths the jumps go to equal depths too
            if (t_[a].jump != t_[b].jump) {
                a = t_[a].jump;
                b = t_[b].jump;
            } else {
                a = t_[a].parent;
                b = t_[b].parent;
            }
        }
        return a;
    }

    Context& c_;
    std::vector<Node> t_;
    std::vector<std::uint32_t> stamp_, slot_, marked_;
    std::uint32_t gen_ = 0;
};

// Reverse-mode adjoints of the nodes `wrt` in the scalar e (0 where e does not depend on one),
// each wrt node an independent leaf whose inside the sweep never visits: wrt may hold x[i + 1]
// or a whole sum as well as symbols. A reduction outside wrt passes its adjoint a into its body
// as the same reduction of the body's own gradient, a*sum(i = lo..hi, d body/d w): a comes
// from outside the reduction, so it does not depend on i (reductions do not nest), and the
// result stays a reduction node instead of one term per index.
std::vector<Expr> reverse(Expr e, const Order& o, std::span<const Expr> wrt) {
    Context& c = e.context();
    const std::size_t n = o.ids.size();
    auto pos_of = [&](Expr v) { return v.id() < o.pos.size() ? o.pos[v.id()] : kNone; };
    std::vector<char> live(n, 0), leaf(n, 0);
    for (Expr v : wrt)
        if (std::uint32_t p = pos_of(v); p != kNone) live[p] = leaf[p] = 1;
    for (std::size_t k = 0; k < n; ++k) {
        if (live[k]) continue;
        const Expr node = c[o.ids[k]];
        for (std::size_t i = 0; i < node.size(); ++i)
            if (differentiable_kid(node, i) && live[o.pos[node.child_ids()[i]]]) {
                live[k] = 1;
                break;
            }
    }

    // adjoint(child) += adjoint(node) * d node/d child. Contributions are collected per node
    // and summed once, when the sweep reaches it (every parent has a larger id, so all of them
    // have been visited by then).
    Adjoints adj(c);
    const Expr one = c.integer(1);
    std::vector<std::vector<std::uint32_t>> contrib(n);
    std::vector<std::uint32_t> adjoint(n, kNone);
    if (n > 0) contrib[n - 1].push_back(adj.flat(one));
    // contribution a*f to the node at position kp, where f is d node/d child made by `partial`
    // from a (multiplied out) or from 1 (kept apart from a long a)
    auto give = [&](std::uint32_t kp, std::uint32_t a, auto partial) {
        if (adj.eager(a)) {
            contrib[kp].push_back(adj.flat(partial(adj.factor(a))));
            return;
        }
        const Expr f = partial(one);
        if (is_zero(f)) return;
        contrib[kp].push_back(f.is_integer(1) ? a : adj.under(a, f));
    };
    std::vector<Expr> inner_wrt;
    for (std::size_t k = n; k-- > 0;) {
        if (!live[k] || contrib[k].empty()) continue;
        const std::uint32_t a = contrib[k].size() == 1 ? contrib[k][0] : adj.sum(contrib[k]);
        std::vector<std::uint32_t>().swap(contrib[k]);
        adjoint[k] = a;
        if (adj.zero(a) || leaf[k]) continue;
        const Expr node = c[o.ids[k]];
        if (node.is(Op::List)) list_inside();
        if (node.is(Op::Vec)) vec_inside();
        if (is_scalar_reduction(node.op()) || node.is(Op::Guard)) {
            // A guard goes the same way: guard(k, lo, hi, body') has the body's partials only
            // where the guard holds, as forward mode builds it, while a factor
            // guard(k, lo, hi, 1) would multiply partials evaluated where the body is not.
            // A sum's own index is another variable inside it than any wrt of that name.
            inner_wrt.clear();
            for (Expr v : wrt) {
                std::uint32_t p = pos_of(v);
                if (p == kNone || p >= k || !live[p]) continue;
                if (node.is(Op::Sum) && depends_on(v, node[0])) continue;
                inner_wrt.push_back(v);
            }
            const Expr body = body_of(node);
            const std::vector<Expr> inner = reverse(body, order_of(std::span<const Expr>(&body, 1)), inner_wrt);
            for (std::size_t j = 0; j < inner_wrt.size(); ++j) {
                if (is_zero(inner[j])) continue;
                const Expr r = rereduce(c, node, inner[j]);
                give(pos_of(inner_wrt[j]), a, [&](Expr s) { return c.mul({s, r}); });
            }
            continue;
        }
        for (std::size_t i = 0; i < node.size(); ++i) {
            if (!differentiable_kid(node, i)) continue;
            std::uint32_t kp = o.pos[node.child_ids()[i]];
            if (!live[kp]) continue;
            if (node.is(Op::Add)) {
                contrib[kp].push_back(a); // d(u + v)/du = 1
                continue;
            }
            give(kp, a, [&](Expr s) { return scaled_partial(c, node, i, s); });
        }
    }
    std::vector<Expr> out;
    out.reserve(wrt.size());
    for (Expr v : wrt) {
        std::uint32_t p = pos_of(v);
        out.push_back(p == kNone || adjoint[p] == kNone ? c.integer(0) : adj.value(adjoint[p]));
    }
    return out;
}


// The vector variables of o: x of some x[k] or len(x). Derivatives by them are vectors.
std::vector<Expr> vector_symbols(const Context& c, const Order& o) {
    std::vector<Expr> out;
    for (NodeId id : o.ids) {
        Expr n = c[id];
        if ((n.is(Op::At) || n.is(Op::Len)) && std::find(out.begin(), out.end(), n[0]) == out.end()) out.push_back(n[0]);
    }
    return out;
}

bool contains(const std::vector<Expr>& v, Expr e) { return std::find(v.begin(), v.end(), e) != v.end(); }

std::vector<Expr> vectors_among(const Context& c, const Order& o, std::span<const Expr> vars) {
    const std::vector<Expr> vectors = vector_symbols(c, o);
    std::vector<Expr> out;
    for (Expr v : vars)
        if (contains(vectors, v)) out.push_back(v);
    return out;
}

[[noreturn]] void vector_variable_error(Expr x, const char* what, const std::string& instead) {
    throw Error("'" + x.name() + "' is a vector variable (it is read as " + x.name() + "[...]): " + what +
                " by it is " + instead);
}

} // namespace

namespace detail {

Expr rereduce(Context& c, Expr r, Expr body) {
    switch (r.op()) {
    case Op::Sum: return c.sum(r[0], r[1], r[2], body);
    case Op::RowSum: return c.row_sum(body);
    case Op::RowMean: return c.row_mean(body);
    case Op::Guard: return c.guard(r[0], r[1], r[2], body);
    case Op::Vec: return c.vec(r[0], r[1], r[2], body);
    default: break;
    }
    throw Error("'" + std::string(op_name(r.op())) + "' is not a reduction");
}

std::vector<Expr> reverse(Expr e, std::span<const Expr> wrt) {
    return symdiff::reverse(e, order_of(std::span<const Expr>(&e, 1)), wrt);
}

} // namespace detail

Expr diff(Expr e, Expr x) {
    require_symbol(x, "a derivative");
    Context& c = e.context();
    const Order o = order_of(std::span<const Expr>(&e, 1));
    if (contains(vector_symbols(c, o), x)) return vector_gradient(e, x);
    // d[k] is the derivative of the k-th node of the order; children come first, so one pass
    // in order sees every child's derivative before its parent needs it.
    std::vector<Expr> d(o.ids.size());
    const Expr zero = c.integer(0);
    std::vector<Expr> terms;
    for (std::size_t k = 0; k < o.ids.size(); ++k) {
        const Expr n = c[o.ids[k]];
        auto dk = [&](std::size_t i) { return d[o.pos[n.child_ids()[i]]]; };
        switch (n.op()) {
        case Op::Num:
        case Op::Pi:
        case Op::At:
        case Op::Len:
            // d/dx c = 0; x[k] and len(x) do not move with a scalar x
            d[k] = zero;
            continue;
        case Op::Sym:
            // d/dx x = 1, d/dx y = 0
            d[k] = n == x ? c.integer(1) : zero;
            continue;
        case Op::List: {
            // a vector-valued function differentiates componentwise
            std::vector<Expr> items;
            for (std::size_t i = 0; i < n.size(); ++i) items.push_back(dk(i));
            d[k] = c.list(items);
            continue;
        }
        case Op::Add:
            // sum rule: (a + b)' = a' + b'
            terms.clear();
            for (std::size_t i = 0; i < n.size(); ++i)
                if (!is_zero(dk(i))) terms.push_back(dk(i));
            d[k] = terms.empty() ? zero : c.add(terms);
            continue;
        case Op::Sum:
        case Op::Vec:
            // Inside sum(x = ..) the index x is another variable than the x outside it, so
            // the body is constant in the x asked for (and the bounds are integers).
            if (n[0] == x) {
                d[k] = n.is(Op::Vec) ? c.vec(n[0], n[1], n[2], zero) : zero;
                continue;
            }
            [[fallthrough]];
        case Op::RowSum:
        case Op::RowMean:
        case Op::Guard: {
            // the derivative of a sum is the sum of the derivatives: sum(i, lo, hi, body')
            Expr db = dk(n.size() - 1);
            if (db.is(Op::List)) list_inside();
            if (db.is(Op::Vec) && !n.is(Op::Vec)) vec_inside();
            d[k] = rereduce(c, n, db);
            continue;
        }
        default:
            break;
        }
        // Everything else is the chain rule over the operands: (f(a, b))' = f_a*a' + f_b*b'.
        // For Mul that is the product rule (f_a is the cofactor), for Pow the power and
        // exponential rules. Operands that do not depend on x contribute nothing.
        terms.clear();
        for (std::size_t i = 0; i < n.size(); ++i) {
            Expr di = dk(i);
            if (is_zero(di)) continue;
            if (di.is(Op::List)) list_inside();
            if (di.is(Op::Vec)) vec_inside();
            terms.push_back(c.mul({local_partial(n, i), di}));
        }
        d[k] = terms.empty() ? zero : c.add(terms);
    }
    return d.back();
}

Expr diff(Expr e, Expr x, int order) {
    if (order < 0) throw Error("the order of a derivative must be at least 0");
    for (int i = 0; i < order; ++i) e = diff(e, x);
    return e;
}

Expr diff(Expr e, std::span<const Expr> xs) {
    for (Expr x : xs) e = diff(e, x);
    return e;
}

std::vector<Expr> gradient(Expr e, std::span<const Expr> vars) {
    for (Expr v : vars) require_symbol(v, "a gradient");
    if (e.is(Op::List)) throw Error("the gradient is defined for a scalar expression; use the Jacobian for a list");
    if (e.is(Op::Vec)) throw Error("the gradient is defined for a scalar expression, not a vector [... for k = ...]");
    Context& c = e.context();
    const Order o = order_of(std::span<const Expr>(&e, 1));
    const std::vector<Expr> vectors = vector_symbols(c, o);
    std::vector<Expr> scalars;
    for (Expr v : vars)
        if (!contains(vectors, v)) scalars.push_back(v);
    std::vector<Expr> g = scalars.size() == vars.size() ? reverse(e, o, vars) : reverse(e, o, scalars);
    if (scalars.size() == vars.size()) return g;
    std::vector<Expr> out;
    std::size_t j = 0;
    for (Expr v : vars) out.push_back(contains(vectors, v) ? vector_gradient(e, v) : g[j++]);
    return out;
}

std::vector<std::vector<Expr>> jacobian(Expr e, std::span<const Expr> vars) {
    for (Expr v : vars) require_symbol(v, "a Jacobian");
    const Expr roots[] = {e};
    const Order o = order_of(roots);
    for (Expr v : vectors_among(e.context(), o, vars))
        vector_variable_error(v, "the Jacobian", "vector_gradient(f, " + v.name() + ") for each component (a Vec of the gather form)");
    std::vector<std::vector<Expr>> rows;
    if (!e.is(Op::List)) {
        rows.push_back(gradient(e, vars));
        return rows;
    }
    for (std::size_t i = 0; i < e.size(); ++i) {
        if (e[i].is(Op::List)) throw Error("the Jacobian is defined for a flat list of scalar expressions");
        rows.push_back(gradient(e[i], vars));
    }
    return rows;
}

std::vector<std::vector<Expr>> hessian(Expr e, std::span<const Expr> vars) {
    for (Expr v : vars) require_symbol(v, "a Hessian");
    const Expr roots[] = {e};
    const Order o = order_of(roots);
    for (Expr v : vectors_among(e.context(), o, vars))
        vector_variable_error(v, "the Hessian", "banded_hessian(f, " + v.name() + "), its band as Vec diagonals");
    const std::vector<Expr> g = gradient(e, vars);
    const std::size_t m = vars.size();
    std::vector<std::vector<Expr>> h(m, std::vector<Expr>(m));
    for (std::size_t i = 0; i < m; ++i) {
        // Row i by reverse mode over dg_i; only the upper triangle is kept and mirrored, so
        // the result is symmetric even where the two orders of differentiation would build
        // differently shaped (equal-valued) expressions.
        std::vector<Expr> row = gradient(g[i], vars);
        for (std::size_t j = i; j < m; ++j) h[i][j] = h[j][i] = row[j];
    }
    return h;
}

Expr directional_derivative(Expr e, std::span<const Expr> vars, std::span<const Expr> direction) {
    if (vars.size() != direction.size())
        throw Error("the direction has " + std::to_string(direction.size()) + " components but there are " +
                    std::to_string(vars.size()) + " variables");
    Context& c = e.context();
    const std::vector<Expr> g = gradient(e, vars);
    std::vector<Expr> dot, norm2;
    for (std::size_t i = 0; i < vars.size(); ++i) {
        dot.push_back(c.mul({g[i], direction[i]}));
        norm2.push_back(c.pow(direction[i], c.integer(2)));
    }
    Expr n2 = c.add(norm2);
    if (is_zero(n2)) throw Error("the direction of a directional derivative must not be the zero vector");
    // D_u f = grad f . u with u = d/|d|
    return c.mul({c.add(dot), c.pow(n2, c.rational(-1, 2))});
}

} // namespace symdiff
