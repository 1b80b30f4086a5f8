// The expression DAG: interning, canonical sums and products, and the smart constructors' rules.
#include <catch2/catch.hpp>

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
    REQUIRE(c.real(0.5) == c.rational(1, 2));
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
