// The table of local partial derivatives: d node / d child_i for every kind of node, which
// diff, gradient and the derivation steps all use.
#include <string>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"

namespace symdiff {

namespace {

// The partials of the built-in functions, one row of the table each.
Expr function_partial(Expr e, std::size_t i) {
    Context& c = e.context();
    auto one = [&] { return c.integer(1); };
    auto sq = [&](Expr a) { return c.pow(a, c.integer(2)); };
    auto inv_sqrt = [&](Expr a) { return c.pow(a, c.rational(-1, 2)); };
    const Expr u = e.size() > 0 ? e[0] : Expr();
    switch (e.op()) {
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
    default:
        break;
    }
    throw Error("'" + std::string(op_name(e.op())) + "' has no derivative with respect to its operands");
}

} // namespace

Expr local_partial(Expr e, std::size_t i) {
    Context& c = e.context();
    auto one = [&] { return c.integer(1); };
    switch (e.op()) {
    case Op::At:
    case Op::Len:
        // An index is an integer and x[k] is a value read from x: nothing moves continuously.
        return c.integer(0);
    case Op::Guard:
        // guard(k, lo, hi, u) is u inside its range and 0 outside; the range is integral.
        return i == 3 ? c.guard(e[0], e[1], e[2], one()) : c.integer(0);
    case Op::Sum:
    case Op::RowSum:
    case Op::RowMean:
    case Op::Vec:
        // Bounds and the index are integers. The body is a different value at every index, so
        // no single factor times the body's derivative is the reduction's derivative: diff and
        // gradient differentiate the body under the reduction instead.
        if (e.size() == 4 && i < 3) return c.integer(0);
        throw Error("'" + std::string(op_name(e.op())) +
                    "' is linear in its body, with no local partial: its derivative is the same reduction over the body's derivative");
    case Op::MaxOver:
    case Op::RowMax:
        // Made only for evaluation (eval/stable.hpp), never differentiated.
        throw Error("'" + std::string(op_name(e.op())) + "' is an evaluation node and has no derivative");
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
    default: // the built-in functions; atoms and lists have no operands to differentiate by
        return function_partial(e, i);
    }
}

} // namespace symdiff
