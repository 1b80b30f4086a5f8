// The reduction nodes of the IR: what their makers fold, and how scope-aware free_symbols,
// depends_on and substitute treat the indices that Sum and Vec bind.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/expr.hpp"

using namespace symdiff;

namespace {

std::vector<std::string> names(const std::vector<Expr>& v) {
    std::vector<std::string> out;
    for (Expr e : v) out.push_back(e.name());
    return out;
}

struct Fixture {
    Context c;
    Expr x = c.symbol("x"), i = c.symbol("i"), k = c.symbol("k"), n = c.symbol("n");
    Expr m = c.symbol("m"), y = c.symbol("y");
    Expr one = c.integer(1), two = c.integer(2), zero = c.integer(0);
};

} // namespace

TEST_CASE("reduction makers fold what is always true", "[ir][reduction]") {
    Fixture f;
    auto& c = f.c;
    Expr body = c.at(f.x, f.i + f.one);
    Expr s = c.sum(f.i, f.one, f.n, body);
    REQUIRE(s.is(Op::Sum));
    REQUIRE(s.size() == 4);
    // hash-consed: the same sum is the same node
    REQUIRE(c.sum(f.i, f.one, f.n, c.at(f.x, f.one + f.i)) == s);
    // numeric coefficients leave the reduction, so derivatives print as 2*mean(...)
    REQUIRE(c.sum(f.i, f.one, f.n, f.two * body) == f.two * s);
    REQUIRE(c.row_mean(c.integer(3) * f.m * f.y) == c.integer(3) * c.row_mean(f.m * f.y));
    REQUIRE(c.row_sum(f.two * f.y) == f.two * c.row_sum(f.y));
    // zero bodies and empty constant ranges vanish
    REQUIRE(c.sum(f.i, f.one, f.n, f.zero) == f.zero);
    REQUIRE(c.sum(f.i, c.integer(3), f.two, body) == f.zero);
    REQUIRE(c.row_sum(f.zero) == f.zero);
    REQUIRE(c.guard(f.k, f.two, f.one, body) == f.zero);
    REQUIRE(c.guard(f.k, f.one, f.n, f.zero) == f.zero);
    // the mean of a constant is the constant; the sum over rows of one is the row count
    REQUIRE(c.row_mean(c.integer(5)) == c.integer(5));
    REQUIRE(c.row_sum(f.one).is(Op::RowSum));
    // a non-empty constant range keeps the node
    REQUIRE(c.sum(f.i, f.one, f.one, body).is(Op::Sum));
}

TEST_CASE("reduction makers reject non-symbol vectors and indices", "[ir][reduction]") {
    Fixture f;
    auto& c = f.c;
    REQUIRE_THROWS_WITH(c.at(f.x + f.one, f.one), "the vector of an index x[k] must be a name");
    REQUIRE_THROWS_WITH(c.len(f.two), "the argument of len must be a name");
    REQUIRE_THROWS_WITH(c.sum(f.one, f.one, f.n, f.x), "the index of a sum must be a name");
    REQUIRE_THROWS_WITH(c.guard(f.n + f.one, f.one, f.n, f.x), "the index of a guard must be a name");
    REQUIRE_THROWS_WITH(c.vec(f.two, f.one, f.n, f.x), "the index of a vector must be a name");
}

TEST_CASE("rebuild maps over reductions with their makers", "[ir][reduction]") {
    Fixture f;
    auto& c = f.c;
    Expr s = c.sum(f.i, f.one, f.n, c.at(f.x, f.i));
    std::vector<Expr> kids{f.i, f.one, f.n, f.two * c.at(f.x, f.i)};
    REQUIRE(c.rebuild(s, kids) == f.two * s);
    Expr g = c.guard(f.k, f.one, f.n, c.at(f.x, f.k));
    std::vector<Expr> gk{f.k, f.one, f.n, f.zero};
    REQUIRE(c.rebuild(g, gk) == f.zero);
}

TEST_CASE("Sum and Vec bind their index in the body only", "[ir][reduction][scope]") {
    Fixture f;
    auto& c = f.c;
    // sum(i = 1..n, x[i]*m): i is bound, n, x and m are free
    Expr s = c.sum(f.i, f.one, f.n, c.at(f.x, f.i) * f.m);
    auto fs = names(free_symbols(s));
    std::sort(fs.begin(), fs.end());
    REQUIRE(fs == std::vector<std::string>{"m", "n", "x"});
    REQUIRE_FALSE(depends_on(s, f.i));
    REQUIRE(depends_on(s, f.x));
    // the same name free outside the sum and bound inside it
    Expr both = f.i + s;
    REQUIRE(depends_on(both, f.i));
    // a bound in terms of the index name refers to the outer i, which is free
    Expr outer = c.sum(f.i, f.one, f.i, c.at(f.x, f.i));
    REQUIRE(depends_on(outer, f.i));
    // a Guard does not bind k; the Vec around it does
    Expr g = c.guard(f.k, f.two, f.n, c.at(f.x, f.k - f.one));
    REQUIRE(depends_on(g, f.k));
    Expr v = c.vec(f.k, f.one, c.len(f.x), g);
    REQUIRE_FALSE(depends_on(v, f.k));
    REQUIRE(names(free_symbols(c.len(f.x))) == std::vector<std::string>{"x"});
}

TEST_CASE("substitute respects bound indices and refuses capture", "[ir][reduction][scope]") {
    Fixture f;
    auto& c = f.c;
    Expr s = c.sum(f.i, f.one, f.n, c.at(f.x, f.i) * f.m);
    // free symbols are replaced, in the bounds and the body
    std::vector<std::pair<Expr, Expr>> to_n{{f.n, c.integer(10)}, {f.m, f.two}};
    REQUIRE(substitute(s, to_n) == c.sum(f.i, f.one, c.integer(10), f.two * c.at(f.x, f.i)));
    // the bound index is not replaced inside, but an outer use is
    std::vector<std::pair<Expr, Expr>> to_i{{f.i, c.integer(3)}};
    REQUIRE(substitute(f.i + s, to_i) == c.integer(3) + s);
    // replacing the index symbol by the shift k - 1 inside a body that is not a reduction
    Expr term = c.at(f.x, f.i + f.one) - c.at(f.x, f.i);
    std::vector<std::pair<Expr, Expr>> shift{{f.i, f.k - f.one}};
    REQUIRE(substitute(term, shift) == c.at(f.x, f.k) - c.at(f.x, f.k - f.one));
    // m := i would move a free i under the sum that binds i: refused
    std::vector<std::pair<Expr, Expr>> capture{{f.m, f.i}};
    REQUIRE_THROWS_WITH(substitute(s, capture),
                        "cannot substitute an expression containing 'i' inside a reduction over 'i'");
    // non-symbol keys still work (the REPL and the steps replace subexpressions)
    std::vector<std::pair<Expr, Expr>> sub_expr{{c.at(f.x, f.i), f.y}};
    REQUIRE(substitute(s, sub_expr) == c.sum(f.i, f.one, f.n, f.y * f.m));
    // an unchanged expression keeps its node
    std::vector<std::pair<Expr, Expr>> none{{f.y, f.two}};
    REQUIRE(substitute(s, none) == s);
}

TEST_CASE("the new ops keep the numbers of the old ones", "[ir][reduction]") {
    // The canonical order hashes op numbers; inserting ops before existing ones would reorder
    // every printed sum (the print goldens catch it, this names the cause).
    REQUIRE(static_cast<int>(Op::Min) + 1 == static_cast<int>(Op::At));
    REQUIRE(static_cast<int>(Op::Vec) + 1 == static_cast<int>(Op::MaxOver));
    REQUIRE(static_cast<std::size_t>(Op::RowMax) + 1 == op_count());
    REQUIRE(op_arity(Op::Sum) == 4);
    REQUIRE(op_name(Op::RowMean) == "rowmean");
}
