// Differentiation: the table of local partial derivatives, forward diff and reverse-mode gradients.
#include "symdiff/diff.hpp"

#include <cassert>
#include <string>

#include "symdiff/diagnostic.hpp"

namespace symdiff {

namespace {

// Expr handles are const views; making nodes needs the owning Context.
Context& ctx_of(Expr e) { return const_cast<Context&>(e.context()); }

bool is_zero(Expr e) { return e.is_number() && e.number().is_zero(); }

constexpr NodeId kNone = ~NodeId{0};

void require_symbol(Expr x, const char* what) {
    if (!x.is_symbol())
        throw Error(std::string(what) + " must be taken with respect to a variable, not a " +
                    std::string(op_name(x.op())));
}

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

Expr local_partial(Expr e, std::size_t i) {
    Context& c = ctx_of(e);
    auto one = [&] { return c.integer(1); };
    auto sq = [&](Expr a) { return c.pow(a, c.integer(2)); };
    auto inv_sqrt = [&](Expr a) { return c.pow(a, c.rational(-1, 2)); };
    const Expr u = e.size() > 0 ? e[0] : Expr();
    switch (e.op()) {
    case Op::Num:
    case Op::Sym:
    case Op::Pi:
    case Op::List:
    case Op::At: case Op::Len: case Op::Sum: case Op::RowSum: case Op::RowMean: case Op::Guard: case Op::Vec:
        break;
    case Op::Add:
        // d/da (a + b + ...) = 1
        return one();
    case Op::Mul: {
        // d/da (a*b*c) = b*c: the cofactor, the product of the other factors
        std::vector<Expr> others;
        others.reserve(e.size());
        for (std::size_t j = 0; j < e.size(); ++j)
            if (j != i) others.push_back(e[j]);
        return c.mul(others);
    }
    case Op::Pow:
        // d/df f^g = g*f^(g-1) (the power rule when g is constant)
        if (i == 0) return c.mul({e[1], c.pow(e[0], c.add({e[1], c.integer(-1)}))});
        // d/dg f^g = f^g*ln(f) (a^x -> a^x*ln(a)); with the line above this is the
        // derivative of exp(g*ln(f)) wherever f > 0
        return c.mul({e, c.call(Op::Log, {e[0]})});
    case Op::Exp:
        // exp' = exp
        return e;
    case Op::Log:
        // ln'(u) = 1/u
        return c.pow(u, c.integer(-1));
    case Op::Sin:
        // sin' = cos
        return c.call(Op::Cos, {u});
    case Op::Cos:
        // cos' = -sin
        return c.neg(c.call(Op::Sin, {u}));
    case Op::Tan:
        // tan' = sec^2 = 1/cos^2
        return c.pow(c.call(Op::Cos, {u}), c.integer(-2));
    case Op::Asin:
        // asin'(u) = 1/sqrt(1 - u^2)
        return inv_sqrt(c.sub(one(), sq(u)));
    case Op::Acos:
        // acos'(u) = -1/sqrt(1 - u^2)
        return c.neg(inv_sqrt(c.sub(one(), sq(u))));
    case Op::Atan:
        // atan'(u) = 1/(1 + u^2)
        return c.pow(c.add({one(), sq(u)}), c.integer(-1));
    case Op::Atan2: {
        // atan2(y, x): d/dy = x/(x^2 + y^2), d/dx = -y/(x^2 + y^2)
        Expr r2inv = c.pow(c.add({sq(e[0]), sq(e[1])}), c.integer(-1));
        return i == 0 ? c.mul({e[1], r2inv}) : c.mul({c.integer(-1), e[0], r2inv});
    }
    case Op::Sinh:
        // sinh' = cosh
        return c.call(Op::Cosh, {u});
    case Op::Cosh:
        // cosh' = sinh
        return c.call(Op::Sinh, {u});
    case Op::Tanh:
        // tanh' = 1 - tanh^2
        return c.sub(one(), sq(e));
    case Op::Asinh:
        // asinh'(u) = 1/sqrt(u^2 + 1)
        return inv_sqrt(c.add({sq(u), one()}));
    case Op::Acosh:
        // acosh'(u) = 1/sqrt(u^2 - 1) (u > 1, where acosh is differentiable)
        return inv_sqrt(c.sub(sq(u), one()));
    case Op::Atanh:
        // atanh'(u) = 1/(1 - u^2)
        return c.pow(c.sub(one(), sq(u)), c.integer(-1));
    case Op::Abs:
        // |u|' = sign(u), 0 at u = 0 by the ML convention
        return c.call(Op::Sign, {u});
    case Op::Sign:
    case Op::Heaviside:
        // piecewise constant: 0 wherever the derivative exists, and 0 by convention at the jump
        return c.integer(0);
    case Op::Cbrt:
        // cbrt'(u) = 1/(3*cbrt(u)^2), real for u < 0 too
        return c.mul({c.rational(1, 3), c.pow(e, c.integer(-2))});
    case Op::Erf:
        // erf'(u) = 2/sqrt(pi)*exp(-u^2)
        return c.mul({c.integer(2), inv_sqrt(c.pi()), c.call(Op::Exp, {c.neg(sq(u))})});
    case Op::Sigmoid:
        // s' = s*(1 - s)
        return c.mul({e, c.sub(one(), e)});
    case Op::Relu:
        // relu' = heaviside (1 for u > 0, else 0: relu'(0) = 0)
        return c.call(Op::Heaviside, {u});
    case Op::Softplus:
        // softplus(u) = ln(1 + exp(u)), softplus' = exp(u)/(1 + exp(u)) = sigmoid(u)
        return c.call(Op::Sigmoid, {u});
    case Op::Max: {
        // max(a, b): d/da = 1 where a > b, 0 where a < b, and 1/2 at a tie (the gradient is
        // shared, as PyTorch does), so that max(u, u) and ties along a whole region, where the
        // two arguments agree with equal derivatives, still get u': (1 +- sign(a - b))/2.
        Expr s = c.call(Op::Sign, {c.sub(e[0], e[1])});
        return c.mul({c.rational(1, 2), i == 0 ? c.add({one(), s}) : c.sub(one(), s)});
    }
    case Op::Min: {
        // min(a, b) = -max(-a, -b): d/da = (1 - sign(a - b))/2, d/db = (1 + sign(a - b))/2
        Expr s = c.call(Op::Sign, {c.sub(e[0], e[1])});
        return c.mul({c.rational(1, 2), i == 0 ? c.sub(one(), s) : c.add({one(), s})});
    }
    }
    throw Error("'" + std::string(op_name(e.op())) + "' has no derivative with respect to its operands");
}

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

} // namespace

Expr diff(Expr e, Expr x) {
    require_symbol(x, "a derivative");
    Context& c = ctx_of(e);
    const Order o = order_of(std::span<const Expr>(&e, 1));
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
            // d/dx c = 0
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
            if (di.is(Op::List)) throw Error("a list cannot appear inside an expression that is differentiated");
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
    Context& c = ctx_of(e);
    const Order o = order_of(std::span<const Expr>(&e, 1));
    const std::size_t n = o.ids.size();

    // Only nodes on a path to a variable of interest need an adjoint.
    std::vector<char> live(n, 0);
    for (Expr v : vars)
        if (v.id() < o.pos.size() && o.pos[v.id()] != kNone) live[o.pos[v.id()]] = 1;
    for (std::size_t k = 0; k < n; ++k) {
        if (live[k]) continue;
        for (NodeId kid : c[o.ids[k]].child_ids())
            if (live[o.pos[kid]]) {
                live[k] = 1;
                break;
            }
    }

    // Reverse accumulation: adjoint(child) += adjoint(node) * d node/d child. Contributions
    // are collected per node and summed once, when the sweep reaches it (every parent has a
    // larger id, so all of them have been visited by then).
    std::vector<std::vector<Expr>> contrib(n);
    std::vector<Expr> adjoint(n);
    contrib[n - 1].push_back(c.integer(1));
    for (std::size_t k = n; k-- > 0;) {
        if (!live[k] || contrib[k].empty()) continue;
        Expr a = contrib[k].size() == 1 ? contrib[k][0] : c.add(contrib[k]);
        std::vector<Expr>().swap(contrib[k]);
        adjoint[k] = a;
        if (is_zero(a)) continue;
        const Expr node = c[o.ids[k]];
        if (node.is(Op::List)) throw Error("a list cannot appear inside an expression that is differentiated");
        for (std::size_t i = 0; i < node.size(); ++i) {
            std::uint32_t kp = o.pos[node.child_ids()[i]];
            if (!live[kp]) continue;
            contrib[kp].push_back(scaled_partial(c, node, i, a));
        }
    }
    std::vector<Expr> out;
    out.reserve(vars.size());
    for (Expr v : vars) {
        std::uint32_t kp = v.id() < o.pos.size() ? o.pos[v.id()] : kNone;
        out.push_back(kp == kNone || adjoint[kp].is_null() ? c.integer(0) : adjoint[kp]);
    }
    return out;
}

std::vector<std::vector<Expr>> jacobian(Expr e, std::span<const Expr> vars) {
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
    Context& c = ctx_of(e);
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
