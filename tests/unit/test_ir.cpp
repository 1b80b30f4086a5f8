// The expression DAG: interning, canonical sums and products, and the smart constructors' rules.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "symdiff/dag.hpp"
#include "symdiff/expr.hpp"

using namespace symdiff;

TEST_CASE("ir: equal structure is one node", "[ir]") {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y");
    REQUIRE(c.symbol("x") == x);
    REQUIRE(x + y == y + x);
    REQUIRE(x * y * x == pow(x, c.integer(2)) * y);
    REQUIRE((x + y) * (x + y) == pow(x + y, c.integer(2)));
}

TEST_CASE("ir: constants fold exactly", "[ir]") {
    Context c;
    Expr x = c.symbol("x");
    REQUIRE(c.integer(2) + c.integer(3) == c.integer(5));
    REQUIRE(c.integer(1) / c.integer(3) + c.integer(1) / c.integer(6) == c.rational(1, 2));
    REQUIRE(c.real(0.5) == c.number(Number::decimal(1, 2)));
    REQUIRE(c.real(0.5) != c.rational(1, 2)); // equal values, spelt differently: two nodes
    REQUIRE(x + c.integer(0) == x);
    REQUIRE(x * c.integer(1) == x);
    REQUIRE(x * c.integer(0) == c.integer(0));
    REQUIRE(pow(x, c.integer(0)) == c.integer(1));
    REQUIRE(pow(x, c.integer(1)) == x);
    REQUIRE(pow(c.integer(4), c.rational(1, 2)) == c.integer(2));
    REQUIRE(pow(c.integer(2), c.rational(1, 2)).is(Op::Pow));
    REQUIRE((c.integer(1) / c.integer(0)).number().value() == std::numeric_limits<double>::infinity());
}

TEST_CASE("ir: like terms and equal bases collect", "[ir]") {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y");
    REQUIRE(c.integer(2) * x + c.integer(3) * x == c.integer(5) * x);
    REQUIRE(x - x == c.integer(0));
    REQUIRE(x * y - y * x == c.integer(0));
    REQUIRE(x * pow(x, c.integer(2)) == pow(x, c.integer(3)));
    REQUIRE(pow(x, c.integer(2)) / pow(x, c.integer(3)) == pow(x, c.integer(-1)));
    REQUIRE(pow(pow(x, c.integer(2)), c.integer(3)) == pow(x, c.integer(6)));
    REQUIRE(pow(c.integer(2) * x, c.integer(2)) == c.integer(4) * pow(x, c.integer(2)));
    REQUIRE(pow(c.e(), x) == c.call(Op::Exp, {x}));
    REQUIRE(c.call(Op::Log, {c.call(Op::Exp, {x})}) == x);
}

TEST_CASE("ir: operand order does not depend on construction order", "[ir]") {
    Context a, b;
    Expr xa = a.symbol("x"), ya = a.symbol("y");
    Expr yb = b.symbol("y"), xb = b.symbol("x");
    Expr ea = a.add({a.call(Op::Sin, {xa}), ya, xa * ya});
    Expr eb = b.add({xb * yb, yb, b.call(Op::Sin, {xb})});
    REQUIRE(ea.size() == eb.size());
    for (std::size_t i = 0; i < ea.size(); ++i) REQUIRE(ea[i].key() == eb[i].key());
}

TEST_CASE("ir: arity is checked", "[ir]") {
    Context c;
    Expr x = c.symbol("x");
    REQUIRE_THROWS_WITH(c.call(Op::Sin, {x, x}), "sin takes 1 argument, got 2");
    REQUIRE_THROWS_WITH(c.call(Op::Atan2, {x}), "atan2 takes 2 arguments, got 1");
}

TEST_CASE("ir: one context shared by threads interns consistently", "[ir][thread]") {
    // Every thread builds the same expressions from the same names, in a different order;
    // hash-consing must hand all of them the same nodes, and readers must never see a torn node.
    Context c;
    constexpr int kThreads = 4, kTerms = 2000;
    std::vector<std::vector<NodeId>> results(kThreads);
    std::vector<std::thread> pool;
    for (int t = 0; t < kThreads; ++t) {
        pool.emplace_back([&, t] {
            for (int k = 0; k < kTerms; ++k) {
                int i = (t % 2 == 0) ? k : kTerms - 1 - k;
                Expr v = c.symbol("v" + std::to_string(i % 97));
                Expr w = c.symbol("w" + std::to_string(i % 89));
                Expr e = c.call(Op::Sin, {v * w + c.integer(i)}) + pow(v, c.integer(i % 7 + 2));
                results[t].push_back(e.id());  // Catch2 assertions are not thread-safe: check after join
            }
            if (t % 2 == 1) std::reverse(results[t].begin(), results[t].end());
        });
    }
    for (auto& th : pool) th.join();
    for (int t = 1; t < kThreads; ++t) REQUIRE(results[t] == results[0]);
    for (NodeId id : results[0]) REQUIRE(c[id].height() >= 3);
    REQUIRE(c.symbol("v3") == c.symbol("v3"));
}

TEST_CASE("ir: topological order puts children first", "[ir]") {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y");
    Expr e = c.call(Op::Exp, {x * y}) + x;
    auto order = topological_order(std::span<const Expr>(&e, 1));
    REQUIRE(order.back() == e.id());
    for (std::size_t i = 0; i < order.size(); ++i)
        for (NodeId k : c[order[i]].child_ids())
            REQUIRE(std::find(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(i), k) != order.begin() + static_cast<std::ptrdiff_t>(i));
    REQUIRE(dag_size(e) == order.size());
    auto syms = free_symbols(e);
    REQUIRE(syms.size() == 2);
}

TEST_CASE("ir: deep chains are built without recursion", "[ir]") {
    Context c;
    Expr e = c.symbol("x");
    for (int i = 0; i < 100000; ++i) e = c.call(Op::Sin, {e});
    REQUIRE(e.height() == 100001);
    REQUIRE(dag_size(e) == 100001);
}

TEST_CASE("ir: a rational prints as a decimal only if the decimal is that rational", "[ir][number]") {
    // 5006000000000001/5000000000000000 and 1.0012 are one double but two rationals.
    Number close = Number::rational(5006000000000001, 5000000000000000);
    REQUIRE(close.is_exact());
    REQUIRE_FALSE(close.prints_as_decimal());
    REQUIRE(close.to_string() == "5006000000000001/5000000000000000");
    REQUIRE((-close).to_string() == "-5006000000000001/5000000000000000");
    REQUIRE(Number::from_decimal("1.0012")->to_string() == "1.0012");
    REQUIRE((-*Number::from_decimal("1.0012")).to_string() == "-1.0012");
    REQUIRE(Number::rational(-1, 2).to_string() == "-1/2");
    REQUIRE(Number::decimal(-1, 2).to_string() == "-0.5");
}

TEST_CASE("ir: a merged power that changes its base merges with that base", "[ir]") {
    // exp(y)*exp(y) becomes exp(2*y), which must then meet the factor exp(2*y).
    Context c;
    Expr y = c.symbol("y");
    Expr ey = c.call(Op::Exp, {y}), e2y = c.call(Op::Exp, {c.integer(2) * y});
    REQUIRE(c.mul({ey, ey, e2y}) == c.call(Op::Exp, {c.integer(4) * y}));
    REQUIRE(c.mul({e2y, y, ey, ey}) == y * c.call(Op::Exp, {c.integer(4) * y}));
    Expr e1 = c.e(), e2 = c.call(Op::Exp, {c.integer(2)});
    REQUIRE(c.mul({e1, e1, e2}) == c.call(Op::Exp, {c.integer(4)}));
    REQUIRE(c.mul({e1, c.integer(3), e2, e1}) == c.integer(3) * c.call(Op::Exp, {c.integer(4)}));
}

TEST_CASE("dag: the visitor, fold and mapper see each shared node once, children first", "[ir][dag]") {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y");
    Expr sx = c.call(Op::Sin, {x});
    Expr s = sx * y;
    Expr e = c.call(Op::Exp, {s}) + s * s; // s shared three ways
    std::vector<NodeId> seen;
    REQUIRE(for_each_node(e, [&](Expr n) { seen.push_back(n.id()); }));
    REQUIRE(seen == topological_order(std::span<const Expr>(&e, 1)));
    REQUIRE(seen.size() == dag_size(e));
    // A visit that returns false ends the walk there.
    std::size_t visits = 0;
    REQUIRE_FALSE(for_each_node(e, [&](Expr n) { ++visits; return !n.is(Op::Mul); }));
    REQUIRE(visits < seen.size());
    REQUIRE(any_node(e, [&](Expr n) { return n == y; }));
    REQUIRE_FALSE(any_node(e, [](Expr n) { return n.is(Op::Cos); }));
    // The fold counts e as a tree (a shared node once per use), as a recursion would.
    std::function<std::uint64_t(Expr)> tree_size = [&](Expr n) {
        std::uint64_t k = 1;
        for (std::size_t i = 0; i < n.size(); ++i) k += tree_size(n[i]);
        return k;
    };
    std::size_t calls = 0;
    const std::uint64_t tree = fold_dag<std::uint64_t>(e, [&](Expr, std::span<const std::uint64_t> kids) {
        ++calls;
        std::uint64_t n = 1;
        for (std::uint64_t k : kids) n += k;
        return n;
    });
    REQUIRE(calls == seen.size());
    REQUIRE(tree == tree_size(e));
    REQUIRE(tree > seen.size());
    // The mapper: an identity keeps every node; a replacement rebuilds only the path above it.
    REQUIRE(map_dag(e, [](Expr rebuilt, Expr) { return rebuilt; }) == e);
    std::size_t rebuilt_nodes = 0;
    const Expr z = c.symbol("z");
    const Expr m = map_dag(e, [&](Expr rebuilt, Expr original) {
        if (rebuilt != original) ++rebuilt_nodes;
        return original == y ? z : rebuilt;
    });
    REQUIRE(m == c.call(Op::Exp, {sx * z}) + (sx * z) * (sx * z));
    REQUIRE(m == substitute(e, std::vector<std::pair<Expr, Expr>>{{y, z}}));
    // Rebuilt: exactly the nodes above y; sin(x) and the rest stay as they were.
    std::size_t above_y = 0;
    for_each_node(e, [&](Expr n) { above_y += n != y && depends_on(n, y); });
    REQUIRE(rebuilt_nodes == above_y);
    REQUIRE(above_y >= 3);
}
