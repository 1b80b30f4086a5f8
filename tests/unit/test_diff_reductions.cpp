// Differentiation through reductions (docs/reductions.md, "Differentiation"): the exact forms
// of derivatives by parameters (the tutorials' 2*mean((m*x + b - y)*x)), the gather form of
// the gradient by a vector, the banded Hessian, the stable logarithms of sigmoid, and
// simplify, steps and local_partial over the new nodes. Values are checked by unrolling small
// sums into ordinary expressions here, independently of the loop evaluators.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <random>
#include <string>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/simplify.hpp"
#include "symdiff/steps.hpp"

using namespace symdiff;

namespace {

// Rewrites reductions over known sizes into plain expressions: sum(i = 1..3, x[i]^2) becomes
// x_1^2 + x_2^2 + x_3^2, where x_j is a symbol of its own, and mean(body) over `rows` rows
// becomes the average of the body with each column c read as the symbol c#r. A guard
// outside its range is 0 and its body is not looked at, as the evaluators do; reading an
// element out of range fails the test.
struct Unroller {
    Context& c;
    std::map<std::string, std::int64_t> sizes;   // n and len(x), by name
    std::vector<std::string> columns;            // data columns of the row reductions
    std::int64_t rows = 0;

    std::int64_t integer(Expr e, const std::map<NodeId, std::int64_t>& env) {
        Expr v = go(e, env);
        INFO("not an integer: " << to_string(v));
        REQUIRE((v.is_number() && v.number().is_integer()));
        return v.number().num();
    }

    Expr go(Expr e, const std::map<NodeId, std::int64_t>& env) {
        switch (e.op()) {
        case Op::Sym: {
            if (auto it = env.find(e.id()); it != env.end()) return c.integer(it->second);
            if (auto it = sizes.find(e.name()); it != sizes.end()) return c.integer(it->second);
            if (auto row = env.find(c.symbol("#row").id());
                row != env.end() && std::find(columns.begin(), columns.end(), e.name()) != columns.end())
                return c.symbol(e.name() + "#" + std::to_string(row->second));
            return e;
        }
        case Op::Len:
            return c.integer(sizes.at(e[0].name()));
        case Op::At: {
            std::int64_t j = integer(e[1], env);
            INFO("reads " << e[0].name() << "[" << j << "]");
            REQUIRE(j >= 1);
            REQUIRE(j <= sizes.at(e[0].name()));
            return c.symbol(e[0].name() + "_" + std::to_string(j));
        }
        case Op::Sum: {
            std::vector<Expr> terms{c.integer(0)};
            for (std::int64_t i = integer(e[1], env), hi = integer(e[2], env); i <= hi; ++i) {
                auto inner = env;
                inner[e[0].id()] = i;
                terms.push_back(go(e[3], inner));
            }
            return c.add(terms);
        }
        case Op::RowSum:
        case Op::RowMean: {
            std::vector<Expr> terms;
            for (std::int64_t r = 1; r <= rows; ++r) {
                auto inner = env;
                inner[c.symbol("#row").id()] = r;
                terms.push_back(go(e[0], inner));
            }
            Expr s = c.add(terms);
            return e.is(Op::RowMean) ? c.mul({c.rational(1, rows), s}) : s;
        }
        case Op::Guard: {
            std::int64_t k = integer(e[0], env);
            if (k < integer(e[1], env) || k > integer(e[2], env)) return c.integer(0);
            return go(e[3], env);
        }
        case Op::Vec: {
            std::vector<Expr> items;
            for (std::int64_t k = integer(e[1], env), hi = integer(e[2], env); k <= hi; ++k) {
                auto inner = env;
                inner[e[0].id()] = k;
                items.push_back(go(e[3], inner));
            }
            return c.list(items);
        }
        default:
            break;
        }
        if (e.size() == 0) return e;
        std::vector<Expr> kids;
        for (std::size_t i = 0; i < e.size(); ++i) kids.push_back(go(e[i], env));
        return c.rebuild(e, kids);
    }
    Expr operator()(Expr e) { return go(e, {}); }
};

// |a - b| <= tol * max(1, |a|, |b|)
bool close(double a, double b, double tol) {
    return std::fabs(a - b) <= tol * std::max({1.0, std::fabs(a), std::fabs(b)});
}

struct Fixture {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y"), m = c.symbol("m"), b = c.symbol("b"), w = c.symbol("w");
    Expr i = c.symbol("i"), k = c.symbol("k"), n = c.symbol("n");
    Expr one = c.integer(1), two = c.integer(2);
    Expr N(std::int64_t v) { return c.integer(v); }
    Expr at(Expr v, Expr j) { return c.at(v, j); }
    Expr sq(Expr a) { return c.pow(a, two); }

    // extended Rosenbrock: sum(i = 1..n-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)
    Expr rosenbrock() {
        Expr body = N(100) * sq(at(x, i + one) - sq(at(x, i))) + sq(one - at(x, i));
        return c.sum(i, one, n - one, body);
    }
};

// Values x_1..x_len in [-1.5, 1.5] and the row data of columns, as bindings.
Bindings random_point(std::mt19937_64& rng, const std::string& vec, std::int64_t len) {
    std::uniform_real_distribution<double> u(-1.5, 1.5);
    Bindings at;
    for (std::int64_t j = 1; j <= len; ++j) at[vec + "_" + std::to_string(j)] = u(rng);
    return at;
}

} // namespace

TEST_CASE("diff through mean: the tutorials' linear regression gradients", "[diff][reduction]") {
    Fixture f;
    auto& c = f.c;
    // mean((m*x + b - y)^2) with data columns x and y
    Expr r = f.m * f.x + f.b - f.y;
    Expr loss = c.row_mean(f.sq(r));
    Expr dm = diff(loss, f.m), db = diff(loss, f.b);
    INFO(to_string(dm) << " / " << to_string(db));
    // the coefficient stays outside the mean: 2*mean((m*x + b - y)*x), 2*mean(m*x + b - y)
    REQUIRE(dm == f.two * c.row_mean(r * f.x));
    REQUIRE(db == f.two * c.row_mean(r));
    REQUIRE(dm.is(Op::Mul));
    REQUIRE(dm[1].is(Op::RowMean));
    // reverse mode builds the same nodes, and simplify keeps them
    const Expr vars[] = {f.m, f.b};
    const std::vector<Expr> g = gradient(loss, vars);
    REQUIRE(g[0] == dm);
    REQUIRE(g[1] == db);
    REQUIRE(simplify(dm) == dm);
    REQUIRE(simplify(db) == db);

    // the residual written the other way round keeps the tutorial's sign: -2*mean(x*(y - w*x - b))
    Expr res = f.y - (f.w * f.x + f.b);
    Expr loss2 = c.row_mean(f.sq(res));
    REQUIRE(diff(loss2, f.w) == f.N(-2) * c.row_mean(f.x * res));
    REQUIRE(simplify(diff(loss2, f.w)) == f.N(-2) * c.row_mean(f.x * res));
    REQUIRE(diff(loss2, f.b) == f.N(-2) * c.row_mean(res));

    // values: the mean over 4 rows, unrolled, against central differences in m and b
    Unroller u{c, {}, {"x", "y"}, 4};
    Expr lu = u(loss), dmu = u(dm), dbu = u(db);
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> d(-2, 2);
    for (int t = 0; t < 20; ++t) {
        Bindings at{{"m", d(rng)}, {"b", d(rng)}};
        for (int row = 1; row <= 4; ++row) {
            at["x#" + std::to_string(row)] = d(rng);
            at["y#" + std::to_string(row)] = d(rng);
        }
        for (auto [v, dv] : {std::pair{"m", dmu}, std::pair{"b", dbu}}) {
            const double h = 1e-5;
            Bindings p = at, q = at;
            p[v] += h;
            q[v] -= h;
            double fd = (evaluate(lu, p) - evaluate(lu, q)) / (2 * h);
            REQUIRE(close(evaluate(dv, at), fd, 1e-7));
        }
    }
}

TEST_CASE("diff through sum by a parameter: the sum of the derivatives, bounds held", "[diff][reduction]") {
    Fixture f;
    auto& c = f.c;
    Expr a = c.symbol("a");
    // sum(i = 1..n, (a*x[i] - y[i])^2) by a: 2*sum(i = 1..n, x[i]*(a*x[i] - y[i]))
    Expr r = a * f.at(f.x, f.i) - f.at(f.y, f.i);
    Expr s = c.sum(f.i, f.one, f.n, f.sq(r));
    REQUIRE(diff(s, a) == f.two * c.sum(f.i, f.one, f.n, f.at(f.x, f.i) * r));
    const Expr va[] = {a};
    REQUIRE(gradient(s, va)[0] == diff(s, a));
    // through ordinary nodes outside: d/da ln(sum) = sum'/sum
    Expr l = c.call(Op::Log, {s});
    REQUIRE(diff(l, a) == diff(s, a) * c.pow(s, c.integer(-1)));
    REQUIRE(gradient(l, va)[0] == diff(l, a));

    // x[k] and len(x) have derivative 0 by a scalar, and so do bounds: the size n is an
    // integer, so d/dn holds the bounds and differentiates the body alone
    REQUIRE(diff(f.at(f.x, a), a) == f.N(0));
    REQUIRE(diff(c.len(f.x) * a, a) == c.len(f.x));
    Expr sn = c.sum(f.i, f.one, f.n, f.at(f.x, f.i) * f.n);
    REQUIRE(diff(sn, f.n) == c.sum(f.i, f.one, f.n, f.at(f.x, f.i)));
    const Expr vn[] = {f.n};
    REQUIRE(gradient(sn, vn)[0] == diff(sn, f.n));

    // the bound index is another variable than a free i of the same name: d/di is 0 inside
    Expr si = c.sum(f.i, f.one, f.n, f.i * a);
    REQUIRE(diff(si, f.i) == f.N(0));
    REQUIRE(diff(f.i * si, f.i) == si);
    const Expr vi[] = {f.i};
    REQUIRE(gradient(f.i * si, vi)[0] == si);

    // guards and vectors differentiate their body
    Expr g = c.guard(f.k, f.one, f.n, a * a);
    REQUIRE(diff(g, a) == c.guard(f.k, f.one, f.n, f.two * a));
    REQUIRE(gradient(g, va)[0] == c.guard(f.k, f.one, f.n, f.two * a));
    Expr v = c.vec(f.k, f.one, f.n, a * f.at(f.x, f.k));
    REQUIRE(diff(v, a) == c.vec(f.k, f.one, f.n, f.at(f.x, f.k)));
    REQUIRE_THROWS_AS(gradient(v, va), Error);

    // values at n = 4 by unrolling
    Unroller u{c, {{"n", 4}, {"x", 4}, {"y", 4}}, {}, 0};
    Expr su = u(l), du = u(diff(l, a));
    std::mt19937_64 rng(11);
    for (int t = 0; t < 20; ++t) {
        Bindings at = random_point(rng, "x", 4);
        for (auto& [name, v] : random_point(rng, "y", 4)) at[name] = v;
        at["a"] = 0.3 + 0.1 * t;
        const double h = 1e-6;
        Bindings p = at, q = at;
        p["a"] += h;
        q["a"] -= h;
        REQUIRE(close(evaluate(du, at), (evaluate(su, p) - evaluate(su, q)) / (2 * h), 1e-6));
    }
}

TEST_CASE("stable forms: ln(sigmoid(z)) and ln(1 - sigmoid(z)) as softplus", "[diff][stable]") {
    Fixture f;
    auto& c = f.c;
    Expr z = c.symbol("z");
    Expr sz = c.call(Op::Sigmoid, {z});
    REQUIRE(c.call(Op::Log, {sz}) == -c.call(Op::Softplus, {-z}));
    REQUIRE(c.call(Op::Log, {f.one - sz}) == -c.call(Op::Softplus, {z}));
    // the logarithm of a probability that rounds to 0 or 1 stays finite and exact
    Expr lo = c.call(Op::Log, {c.call(Op::Sigmoid, {c.integer(-800)})});
    REQUIRE(std::isfinite(evaluate(lo, {})));
    REQUIRE(evaluate(lo, {}) == Approx(-800));
    Expr hi = c.call(Op::Log, {f.one - c.call(Op::Sigmoid, {c.integer(800)})});
    REQUIRE(evaluate(hi, {}) == Approx(-800));
    Expr mid = c.call(Op::Log, {f.one - sz});
    REQUIRE(evaluate(mid, {{"z", 0.3}}) == Approx(std::log(1 - 1 / (1 + std::exp(-0.3)))).epsilon(1e-14));
    // other logarithms are untouched
    REQUIRE(c.call(Op::Log, {f.two - sz}).is(Op::Log));
    REQUIRE(c.call(Op::Log, {f.one + sz}).is(Op::Log));
}

TEST_CASE("diff: binary cross-entropy simplifies to mean((sigmoid(z) - y)*x1)", "[diff][reduction][stable]") {
    Fixture f;
    auto& c = f.c;
    Expr w1 = c.symbol("w1"), w2 = c.symbol("w2"), x1 = c.symbol("x1"), x2 = c.symbol("x2");
    Expr z = w1 * x1 + w2 * x2 + f.b;
    Expr p = c.call(Op::Sigmoid, {z});
    // mean(-(y*ln(p) + (1 - y)*ln(1 - p)))
    Expr loss = c.row_mean(-(f.y * c.call(Op::Log, {p}) + (f.one - f.y) * c.call(Op::Log, {f.one - p})));
    Expr dw1 = simplify(diff(loss, w1)), dw2 = simplify(diff(loss, w2)), db = simplify(diff(loss, f.b));
    INFO(to_string(dw1) << " / " << to_string(db));
    REQUIRE(dw1 == c.row_mean((p - f.y) * x1));
    REQUIRE(dw2 == c.row_mean((p - f.y) * x2));
    REQUIRE(db == c.row_mean(p - f.y));
    // the second derivative is the logistic variance, and one example's loss has (p - y)*x1
    REQUIRE(simplify(diff(loss, w1, 2)) == c.row_mean(f.sq(x1) * p * (f.one - p)));
    Expr one_example = -(f.y * c.call(Op::Log, {p}) + (f.one - f.y) * c.call(Op::Log, {f.one - p}));
    REQUIRE(simplify(diff(one_example, w1)) == (p - f.y) * x1);

    // values: gradient and diff against central differences over 5 rows
    const Expr vars[] = {w1, w2, f.b};
    const std::vector<Expr> g = gradient(loss, vars);
    Unroller u{c, {}, {"x1", "x2", "y"}, 5};
    Expr lu = u(loss);
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> d(-2, 2);
    for (int t = 0; t < 10; ++t) {
        Bindings at{{"w1", d(rng)}, {"w2", d(rng)}, {"b", d(rng)}};
        for (int r = 1; r <= 5; ++r) {
            at["x1#" + std::to_string(r)] = d(rng);
            at["x2#" + std::to_string(r)] = d(rng);
            at["y#" + std::to_string(r)] = r % 2;
        }
        const Expr simple[] = {dw1, dw2, db};
        for (std::size_t j = 0; j < 3; ++j) {
            const double h = 1e-6;
            Bindings pp = at, qq = at;
            pp[vars[j].name()] += h;
            qq[vars[j].name()] -= h;
            double fd = (evaluate(lu, pp) - evaluate(lu, qq)) / (2 * h);
            REQUIRE(close(evaluate(u(g[j]), at), fd, 1e-6));
            REQUIRE(close(evaluate(u(simple[j]), at), fd, 1e-6));
        }
    }
    // a confident wrong prediction has a finite loss
    Bindings far{{"w1", 400}, {"w2", 400}, {"b", 0}};
    for (int r = 1; r <= 5; ++r) {
        far["x1#" + std::to_string(r)] = 1;
        far["x2#" + std::to_string(r)] = 1;
        far["y#" + std::to_string(r)] = 0;
    }
    REQUIRE(evaluate(lu, far) == Approx(800));
}

TEST_CASE("vector_gradient: extended Rosenbrock in gather form, two guarded terms", "[diff][vector]") {
    Fixture f;
    auto& c = f.c;
    Expr fr = f.rosenbrock();
    Expr g = vector_gradient(fr, f.x);
    INFO(to_string(g));
    Expr xk = f.at(f.x, f.k), xk1 = f.at(f.x, f.k + f.one), xkm = f.at(f.x, f.k - f.one);
    // from x[i] (c = 0): k in 1..n-1; from x[i+1] (c = 1): k in 2..n
    Expr a = f.N(-400) * xk * (xk1 - f.sq(xk)) - f.two * (f.one - xk);
    Expr bb = f.N(200) * (xk - f.sq(xkm));
    Expr want = c.vec(f.k, f.one, c.len(f.x),
                      c.guard(f.k, f.one, f.n - f.one, a) + c.guard(f.k, f.two, f.n, bb));
    REQUIRE(g == want);
    REQUIRE(g[3].is(Op::Add));
    REQUIRE(g[3].size() == 2);
    REQUIRE(g[3][0].is(Op::Guard));
    REQUIRE(g[3][1].is(Op::Guard));
    // diff and gradient by a vector variable return the same node
    REQUIRE(diff(fr, f.x) == g);
    const Expr vars[] = {f.x};
    REQUIRE(gradient(fr, vars)[0] == g);

    // values against central differences of the unrolled sum, n = len(x)
    std::mt19937_64 rng(5);
    for (std::int64_t n : {2, 3, 5, 10}) {
        Unroller u{c, {{"n", n}, {"x", n}}, {}, 0};
        Expr fu = u(fr), gu = u(g);
        REQUIRE(gu.is(Op::List));
        REQUIRE(gu.size() == static_cast<std::size_t>(n));
        for (int t = 0; t < 5; ++t) {
            Bindings at = random_point(rng, "x", n);
            for (std::int64_t j = 1; j <= n; ++j) {
                const std::string v = "x_" + std::to_string(j);
                const double h = 1e-6;
                Bindings p = at, q = at;
                p[v] += h;
                q[v] -= h;
                INFO("n = " << n << ", element " << j);
                REQUIRE(close(evaluate(gu[static_cast<std::size_t>(j - 1)], at),
                              (evaluate(fu, p) - evaluate(fu, q)) / (2 * h), 1e-6));
            }
        }
    }
}

TEST_CASE("vector_gradient: adjoints, elements read outside sums and at fixed indices", "[diff][vector]") {
    Fixture f;
    auto& c = f.c;
    Expr xi = f.at(f.x, f.i);
    Expr s2 = c.sum(f.i, f.one, f.n, f.sq(xi));
    std::mt19937_64 rng(9);
    struct Case {
        const char* what;
        Expr e;
    };
    const Case cases[] = {
        // the sum's adjoint 1/S from outside it
        {"ln(sum x^2)", c.call(Op::Log, {s2})},
        // x[1] outside the sum: a term at k = 1 only; x[2] inside every term of a sum
        {"x[1]^3 + sum x[i]*x[2]", c.pow(f.at(f.x, f.one), c.integer(3)) + c.sum(f.i, f.one, f.n, xi * f.at(f.x, f.two))},
        // negative offsets and a shifted range; two sums that share a range merge their guards
        {"sum(i = 2..n, x[i]*x[i-1]) + sum(i = 2..n, sin(x[i]))",
         c.sum(f.i, f.two, f.n, xi * f.at(f.x, f.i - f.one)) + c.sum(f.i, f.two, f.n, c.call(Op::Sin, {xi}))},
        // a scalar parameter in the body and the vector's length in a bound
        {"m*sum(i = 1..len(x), exp(m*x[i]))", f.m * c.sum(f.i, f.one, c.len(f.x), c.call(Op::Exp, {f.m * xi}))},
    };
    for (const Case& cs : cases) {
        INFO(cs.what);
        Expr g = vector_gradient(cs.e, f.x);
        INFO(to_string(g));
        REQUIRE(g.is(Op::Vec));
        REQUIRE(g[0] == f.k);
        REQUIRE(g[2] == c.len(f.x));
        for (std::int64_t n : {2, 3, 6}) {
            Unroller u{c, {{"n", n}, {"x", n}}, {}, 0};
            Expr fu = u(cs.e), gu = u(g);
            for (int t = 0; t < 3; ++t) {
                Bindings at = random_point(rng, "x", n);
                at["m"] = 0.7;
                for (std::int64_t j = 1; j <= n; ++j) {
                    const std::string v = "x_" + std::to_string(j);
                    const double h = 1e-6;
                    Bindings p = at, q = at;
                    p[v] += h;
                    q[v] -= h;
                    INFO("n = " << n << ", element " << j);
                    REQUIRE(close(evaluate(gu[static_cast<std::size_t>(j - 1)], at),
                                  (evaluate(fu, p) - evaluate(fu, q)) / (2 * h), 1e-6));
                }
            }
        }
    }
    // exact forms: the adjoint of the sum multiplies the gathered partial
    Expr g = vector_gradient(cases[0].e, f.x);
    REQUIRE(g == c.vec(f.k, f.one, c.len(f.x),
                       c.guard(f.k, f.one, f.n, f.two * f.at(f.x, f.k) * c.pow(s2, c.integer(-1)))));
    Expr g1 = vector_gradient(cases[1].e, f.x);
    Expr x1 = f.at(f.x, f.one), x2 = f.at(f.x, f.two);
    REQUIRE(g1 == c.vec(f.k, f.one, c.len(f.x),
                        c.guard(f.k, f.one, f.one, f.N(3) * f.sq(x1)) + c.guard(f.k, f.one, f.n, x2) +
                            c.guard(f.k, f.two, f.two, c.sum(f.i, f.one, f.n, xi))));
}

TEST_CASE("vector_gradient: a fresh index name, and what is not a gradient by a vector", "[diff][vector]") {
    Fixture f;
    auto& c = f.c;
    // k is taken by the expression, so the gradient's index is k1
    Expr e = f.k * c.sum(f.i, f.one, f.n, f.sq(f.at(f.x, f.i)));
    Expr g = vector_gradient(e, f.x);
    REQUIRE(g[0] == c.symbol("k1"));
    REQUIRE(g == c.vec(c.symbol("k1"), f.one, c.len(f.x),
                       c.guard(c.symbol("k1"), f.one, f.n, f.two * f.k * f.at(f.x, c.symbol("k1")))));
    // a vector used bare, an index that is not i + c, a vector output, a nested sum
    REQUIRE_THROWS_WITH(vector_gradient(f.x + c.sum(f.i, f.one, f.n, f.at(f.x, f.i)), f.x),
                        Catch::Contains("vector variable"));
    REQUIRE_THROWS_WITH(vector_gradient(c.sum(f.i, f.one, f.n, f.at(f.x, f.two * f.i)), f.x),
                        Catch::Contains("i + c"));
    REQUIRE_THROWS_AS(vector_gradient(c.vec(f.k, f.one, f.n, f.at(f.x, f.k)), f.x), Error);
    REQUIRE_THROWS_AS(vector_gradient(f.x, f.one), Error);
    // no dependence: the zero vector
    REQUIRE(vector_gradient(f.m * f.m, f.x) == c.vec(f.k, f.one, c.len(f.x), c.integer(0)));
    // Hessian and Jacobian point to the vector forms
    const Expr vars[] = {f.x};
    REQUIRE_THROWS_WITH(hessian(f.rosenbrock(), vars), Catch::Contains("banded_hessian"));
    REQUIRE_THROWS_WITH(jacobian(f.rosenbrock(), vars), Catch::Contains("vector_gradient"));
}

TEST_CASE("banded_hessian: extended Rosenbrock is tridiagonal, 3n - 2 entries", "[diff][vector][hessian]") {
    Fixture f;
    auto& c = f.c;
    Expr fr = f.rosenbrock();
    BandedHessian h = banded_hessian(fr, f.x);
    REQUIRE(h.vector == f.x);
    REQUIRE(h.diagonals.size() == 2);
    Expr xk = f.at(f.x, f.k);
    // d = 0: 1200*x[k]^2 - 400*x[k+1] + 2 for k < n, and 200 for k > 1; d = 1: -400*x[k]
    REQUIRE(h.diagonals[1] == c.vec(f.k, f.one, c.len(f.x) - f.one, c.guard(f.k, f.one, f.n - f.one, f.N(-400) * xk)));
    REQUIRE(h.diagonals[0][0] == f.k);
    REQUIRE(h.diagonals[0][2] == c.len(f.x));
    INFO(to_string(h.diagonals[0]));
    const Expr gx = vector_gradient(fr, f.x);
    std::mt19937_64 rng(13);
    for (std::int64_t n : {2, 3, 5, 10}) {
        Unroller u{c, {{"n", n}, {"x", n}}, {}, 0};
        Expr gu = u(gx);
        std::vector<Expr> diag;
        for (Expr d : h.diagonals) diag.push_back(u(d));
        for (int t = 0; t < 3; ++t) {
            Bindings at = random_point(rng, "x", n);
            // the full matrix from the band, mirrored below the diagonal
            std::vector<std::vector<double>> H(static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(n), 0.0));
            for (std::size_t d = 0; d < diag.size(); ++d) {
                REQUIRE(diag[d].size() == static_cast<std::size_t>(n) - d);
                for (std::size_t r = 0; r + d < static_cast<std::size_t>(n); ++r)
                    H[r][r + d] = H[r + d][r] = evaluate(diag[d][r], at);
            }
            int nonzero = 0;
            for (std::int64_t j = 1; j <= n; ++j) {
                // column j by central differences of the gradient
                const std::string v = "x_" + std::to_string(j);
                const double hh = 1e-6;
                Bindings p = at, q = at;
                p[v] += hh;
                q[v] -= hh;
                for (std::size_t r = 0; r < static_cast<std::size_t>(n); ++r) {
                    double fd = (evaluate(gu[r], p) - evaluate(gu[r], q)) / (2 * hh);
                    INFO("n = " << n << ", H[" << r + 1 << "][" << j << "]");
                    REQUIRE(close(H[r][static_cast<std::size_t>(j - 1)], fd, 1e-5));
                    if (H[r][static_cast<std::size_t>(j - 1)] != 0) ++nonzero;
                }
            }
            REQUIRE(nonzero == 3 * n - 2);
        }
    }
}

TEST_CASE("banded_hessian: bands of other widths, and the dense case is an error", "[diff][vector][hessian]") {
    Fixture f;
    auto& c = f.c;
    Expr xi = f.at(f.x, f.i);
    // a pentadiagonal coupling: x[i]*x[i+2]
    Expr e = c.sum(f.i, f.one, f.n - f.two, xi * f.at(f.x, f.i + f.two)) + c.sum(f.i, f.one, f.n, f.sq(xi));
    BandedHessian h = banded_hessian(e, f.x);
    REQUIRE(h.diagonals.size() == 3);
    REQUIRE(h.diagonals[0] == c.vec(f.k, f.one, c.len(f.x), c.guard(f.k, f.one, f.n, f.two)));
    REQUIRE(h.diagonals[1] == c.vec(f.k, f.one, c.len(f.x) - f.one, c.integer(0)));
    REQUIRE(h.diagonals[2] == c.vec(f.k, f.one, c.len(f.x) - f.two, c.guard(f.k, f.one, f.n - f.two, f.one)));
    // elements read outside sums: x[1]*x[2] is one entry at k = 1, d = 1
    BandedHessian h2 = banded_hessian(f.at(f.x, f.one) * f.at(f.x, f.two), f.x);
    REQUIRE(h2.diagonals.size() == 2);
    REQUIRE(h2.diagonals[1] == c.vec(f.k, f.one, c.len(f.x) - f.one, c.guard(f.k, f.one, f.one, f.one)));

    // a mean over data rows of fixed elements: a 2x2 block, no coupling through the index
    Expr u = c.symbol("u"), v = c.symbol("v");
    Expr r = f.at(f.x, f.one) * u + f.at(f.x, f.two) - v;
    Expr fit = c.row_mean(f.sq(r));
    Expr gfit = vector_gradient(fit, f.x);
    REQUIRE(gfit == c.vec(f.k, f.one, c.len(f.x),
                          c.guard(f.k, f.one, f.one, f.two * c.row_mean(u * r)) +
                              c.guard(f.k, f.two, f.two, f.two * c.row_mean(r))));
    BandedHessian hfit = banded_hessian(fit, f.x);
    REQUIRE(hfit.diagonals.size() == 2);
    REQUIRE(hfit.diagonals[0] == c.vec(f.k, f.one, c.len(f.x),
                                       c.guard(f.k, f.one, f.one, f.two * c.row_mean(f.sq(u))) +
                                           c.guard(f.k, f.two, f.two, f.two)));
    REQUIRE(hfit.diagonals[1] == c.vec(f.k, f.one, c.len(f.x) - f.one, c.guard(f.k, f.one, f.one, f.two * c.row_mean(u))));
    {
        Unroller un{c, {{"x", 2}}, {"u", "v"}, 3};
        Expr fu = un(fit), gu = un(gfit);
        Bindings at{{"x_1", 0.3}, {"x_2", -0.7}, {"u#1", 1.5}, {"u#2", -0.5}, {"u#3", 2}, {"v#1", 1}, {"v#2", 0}, {"v#3", -1}};
        for (int j = 1; j <= 2; ++j) {
            const std::string name = "x_" + std::to_string(j);
            Bindings p = at, q = at;
            p[name] += 1e-6;
            q[name] -= 1e-6;
            REQUIRE(close(evaluate(gu[static_cast<std::size_t>(j - 1)], at), (evaluate(fu, p) - evaluate(fu, q)) / 2e-6, 1e-6));
        }
    }

    // every x[k] coupled through a sum over x: dense, named
    Expr s = c.sum(f.i, f.one, f.n, f.sq(xi));
    REQUIRE_THROWS_WITH(banded_hessian(c.call(Op::Log, {s}), f.x), Catch::Contains("dense") && Catch::Contains("reduction over x"));
    REQUIRE_THROWS_WITH(banded_hessian(f.sq(c.sum(f.i, f.one, f.n, xi)), f.x), Catch::Contains("dense"));
    // a fixed element read by every term couples a whole column
    REQUIRE_THROWS_WITH(banded_hessian(c.sum(f.i, f.one, f.n, xi * f.at(f.x, f.one)), f.x), Catch::Contains("not banded"));
}

TEST_CASE("simplify over reductions: bodies are simplified, indices stay bound", "[simplify][reduction]") {
    Fixture f;
    auto& c = f.c;
    Expr xi = f.at(f.x, f.i);
    Expr sn = c.call(Op::Sin, {xi}), cs = c.call(Op::Cos, {xi});
    Expr s = c.sum(f.i, f.one, f.n, f.sq(sn) + f.sq(cs) + xi);
    REQUIRE(simplify(s) == c.sum(f.i, f.one, f.n, xi + f.one));
    // a factor with the index stays inside; one without it may be pulled out of the body's
    // sums only, never out of the reduction
    Expr body = c.call(Op::Exp, {xi}) * f.m + c.call(Op::Exp, {xi}) * f.sq(xi);
    Expr r = simplify(c.row_mean(body));
    REQUIRE(r.is(Op::RowMean));
    Expr rs = simplify(c.sum(f.i, f.one, f.n, body));
    REQUIRE(rs.is(Op::Sum));
    REQUIRE(free_symbols(rs) == free_symbols(c.sum(f.i, f.one, f.n, body)));
    // the examples of the rules about reductions
    Expr y = f.y, sg = c.call(Op::Sigmoid, {f.m});
    Expr neg = -c.row_mean(f.x * (y - sg));
    REQUIRE(apply_rule("negate-into-reduction", neg) == c.row_mean(f.x * (sg - y)));
    REQUIRE(apply_rule("negate-into-reduction", -c.sum(f.i, f.one, f.n, xi - f.m)) == c.sum(f.i, f.one, f.n, f.m - xi));
    // a factor other than -1 stays, and so does a summand with no difference to flip
    REQUIRE(apply_rule("negate-into-reduction", f.N(-2) * c.row_mean(f.x * (y - sg))).is_null());
    REQUIRE(apply_rule("negate-into-reduction", -c.row_mean(f.x * y)).is_null());
    // sigmoid-complement inside a mean
    Expr inner = f.x * y * c.call(Op::Sigmoid, {-f.m}) - f.x * (f.one - y) * sg;
    REQUIRE(simplify(c.row_mean(inner)) == c.row_mean(f.x * (y - sg)));
}

TEST_CASE("steps and local_partial over the reduction nodes", "[steps][reduction]") {
    Fixture f;
    auto& c = f.c;
    Expr r = f.m * f.x + f.b - f.y;
    Expr loss = c.row_mean(f.sq(r));
    Derivation d = derive_steps(loss, f.m);
    REQUIRE(d.result == simplify(diff(loss, f.m)));
    REQUIRE(d.steps.front().rule == "the derivative of a mean is the mean of the derivatives");
    std::string text = render_steps(d);
    INFO(text);
    REQUIRE(text.find("mean") != std::string::npos);
    // a sum under a constant factor, and a sum by a vector variable (one step)
    Expr xi = f.at(f.x, f.i);
    Expr s = f.N(3) * c.sum(f.i, f.one, f.n, f.m * xi);
    Derivation ds = derive_steps(s, f.m);
    REQUIRE(ds.result == simplify(diff(s, f.m)));
    REQUIRE(ds.result == f.N(3) * c.sum(f.i, f.one, f.n, xi));
    Derivation dv = derive_steps(f.rosenbrock(), f.x);
    REQUIRE(dv.steps.size() == 1);
    REQUIRE(dv.result == simplify(vector_gradient(f.rosenbrock(), f.x)));
    // an index: x[n] by n
    Derivation di = derive_steps(f.at(f.x, f.n) * f.n, f.n);
    REQUIRE(di.result == f.at(f.x, f.n));

    // local partials: indices and bounds 0, a guard passes its body, a sum has none
    Expr at = f.at(f.x, f.n);
    REQUIRE(local_partial(at, 0) == f.N(0));
    REQUIRE(local_partial(at, 1) == f.N(0));
    REQUIRE(local_partial(c.len(f.x), 0) == f.N(0));
    Expr g = c.guard(f.k, f.one, f.n, f.m * f.m);
    REQUIRE(local_partial(g, 3) == c.guard(f.k, f.one, f.n, f.one));
    REQUIRE(local_partial(g, 1) == f.N(0));
    Expr sm = c.sum(f.i, f.one, f.n, f.m * xi);
    REQUIRE(local_partial(sm, 2) == f.N(0));
    REQUIRE_THROWS_WITH(local_partial(sm, 3), Catch::Contains("linear in its body"));
    REQUIRE_THROWS_AS(local_partial(loss, 0), Error);
}

TEST_CASE("seed corpus: the data losses' derivatives are the tutorials' own forms", "[diff][reduction][seed]") {
    std::ifstream in(SYMDIFF_SHARED_DIR "/acceptance/seed_cases.json", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    // the corpus has bare NaN literals in optimiser traces, which JSON has not
    std::string t = text.str();
    for (std::size_t p = t.find("NaN"); p != std::string::npos; p = t.find("NaN", p)) t.replace(p, 3, "null");
    const nlohmann::json all = nlohmann::json::parse(t);
    int checked = 0;
    for (const auto& c : all) {
        if (c["kind"] != "regression" || !c.contains("expected") || c["expected"].is_null()) continue;
        Context ctx;
        const std::string id = c["id"];
        Expr f = parse(ctx, c["expr"].get<std::string>()).expr;
        for (const auto& [v, want_text] : c["expected"].items()) {
            Expr d = simplify(diff(f, ctx.symbol(v)));
            Expr want = parse(ctx, want_text.get<std::string>()).expr;
            INFO(id << " d/d" << v << ": " << to_string(d) << " vs the tutorial's " << want_text.get<std::string>());
            REQUIRE(d == want);
            ++checked;
        }
    }
    REQUIRE(checked == 11);
}

TEST_CASE("hessian by parameters through a mean", "[diff][reduction][hessian]") {
    Fixture f;
    auto& c = f.c;
    Expr loss = c.row_mean(f.sq(f.m * f.x + f.b - f.y));
    const Expr vars[] = {f.m, f.b};
    auto h = hessian(loss, vars);
    REQUIRE(h[0][0] == f.two * c.row_mean(f.sq(f.x)));
    REQUIRE(h[0][1] == f.two * c.row_mean(f.x));
    REQUIRE(h[1][0] == h[0][1]);
    REQUIRE(h[1][1] == f.two);
}
