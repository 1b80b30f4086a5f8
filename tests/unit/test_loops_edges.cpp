// Edge cases of the loop evaluators (docs/reductions.md), each run in the LoopInterpreter and
// in the LoopKernel at O0 and O2, which must agree bit for bit: a Vec listed twice among the
// outputs, row reductions that read no column, and reductions inside reductions.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

namespace {

struct Result {
    std::vector<double> out;
    std::vector<std::vector<double>> vector_out;
    std::string error; // empty: no error
};

// Every vector output is pre-filled with a sentinel, so that an element left unwritten shows.
template <class Evaluator, class Call>
Result run_with(const Evaluator& ev, Call&& call, const std::vector<double>& scalars,
                const std::vector<std::vector<double>>& vectors) {
    Result r;
    std::vector<const double*> bases;
    std::vector<std::int64_t> lengths;
    for (const auto& v : vectors) {
        bases.push_back(v.data());
        lengths.push_back(static_cast<std::int64_t>(v.size()));
    }
    LoopArgs a;
    a.scalars = scalars.data();
    a.vectors = bases.data();
    a.lengths = lengths.data();
    try {
        std::vector<std::size_t> lens = ev.vector_lengths(a);
        r.out.assign(ev.scalar_outputs(), -12345.0);
        for (std::size_t n : lens) r.vector_out.emplace_back(n, -12345.0);
        std::vector<double*> outs;
        for (auto& v : r.vector_out) outs.push_back(v.data());
        a.out = r.out.data();
        a.vector_out = outs.data();
        call(a);
    } catch (const Error& e) {
        r.error = e.what();
    }
    return r;
}

bool same_bits(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::memcmp(&a, &b, sizeof a) == 0;
}

void check_same(const Result& a, const Result& b) {
    CHECK(a.error == b.error);
    REQUIRE(a.out.size() == b.out.size());
    for (std::size_t i = 0; i < a.out.size(); ++i) {
        INFO("scalar output " << i << ": " << a.out[i] << " vs " << b.out[i]);
        CHECK(same_bits(a.out[i], b.out[i]));
    }
    REQUIRE(a.vector_out.size() == b.vector_out.size());
    for (std::size_t v = 0; v < a.vector_out.size(); ++v) {
        REQUIRE(a.vector_out[v].size() == b.vector_out[v].size());
        for (std::size_t i = 0; i < a.vector_out[v].size(); ++i) {
            INFO("vector output " << v << "[" << i << "]");
            CHECK(same_bits(a.vector_out[v][i], b.vector_out[v][i]));
        }
    }
}

// The interpreter's result, after checking that the kernel at O0 and O2 gives the same bits
// (or the same error, at construction or at run time).
Result evaluate_both(std::span<const Expr> outputs, const Signature& sig, const std::vector<double>& scalars,
                     const std::vector<std::vector<double>>& vectors) {
    Result ref;
    try {
        LoopInterpreter li(outputs, sig);
        ref = run_with(li, [&](const LoopArgs& a) { li.run(a); }, scalars, vectors);
    } catch (const Error& e) {
        ref.error = e.what();
    }
    for (int level : {0, 2}) {
        INFO("JIT at O" << level);
        JitOptions o;
        o.opt_level = level;
        Result jit;
        try {
            LoopKernel k = compile_loops(outputs, sig, o);
            jit = run_with(k, [&](const LoopArgs& a) { k(a); }, scalars, vectors);
        } catch (const Error& e) {
            jit.error = e.what();
        }
        check_same(ref, jit);
    }
    return ref;
}

} // namespace

TEST_CASE("the same Vec twice among the outputs fills both outputs") {
    Context ctx;
    Expr x = ctx.symbol("x"), n = ctx.symbol("n"), k = ctx.symbol("k");
    // Long enough for the JIT's vector middle loop as well as its guarded ends.
    Expr v = ctx.vec(k, ctx.integer(1), n, ctx.integer(3) * ctx.at(x, k));
    Expr w = ctx.vec(k, ctx.integer(2), n, ctx.at(x, k) + ctx.integer(1));
    std::vector<double> xs;
    for (int e = 1; e <= 11; ++e) xs.push_back(0.5 * e);
    std::vector<double> v_expected, w_expected;
    for (double e : xs) v_expected.push_back(3 * e);
    for (std::size_t e = 1; e < xs.size(); ++e) w_expected.push_back(xs[e] + 1);

    SECTION("twice in a row") {
        Expr outs[] = {v, v};
        Result r = evaluate_both(outs, Signature{{n}, {x}}, {11}, {xs});
        CHECK(r.error.empty());
        REQUIRE(r.vector_out.size() == 2);
        CHECK(r.vector_out[0] == v_expected);
        CHECK(r.vector_out[1] == v_expected);
    }
    SECTION("with other outputs between, and inside a list") {
        Expr s = ctx.sum(k, ctx.integer(1), n, ctx.at(x, k));
        Expr outs[] = {v, s, w, ctx.list({v, w})};
        Result r = evaluate_both(outs, Signature{{n}, {x}}, {11}, {xs});
        CHECK(r.error.empty());
        REQUIRE(r.vector_out.size() == 4);
        CHECK(r.vector_out[0] == v_expected);
        CHECK(r.vector_out[1] == w_expected);
        CHECK(r.vector_out[2] == v_expected);
        CHECK(r.vector_out[3] == w_expected);
        REQUIRE(r.out.size() == 1);
        CHECK(r.out[0] == 33.0);
    }
}

TEST_CASE("a row reduction that reads no column runs over the rows of the data columns") {
    Context ctx;
    Expr a = ctx.symbol("a"), m = ctx.symbol("m"), x = ctx.symbol("x"), y = ctx.symbol("y"), w = ctx.symbol("w");
    Expr i = ctx.symbol("i"), n = ctx.symbol("n");
    Expr two_a = ctx.integer(2) * a;
    const std::vector<double> xs = {1, 2, 3, 4, 5, 6, 7}, ys = {2, 1, 0, 3, 5, 4, 9};

    SECTION("alone, over the columns of the signature") {
        Expr outs[] = {ctx.row_mean(two_a), ctx.row_sum(two_a)};
        Result r = evaluate_both(outs, Signature{{a}, {x, y}}, {0.1}, {xs, ys});
        CHECK(r.error.empty());
        // Seven terms of 0.2 in four partial sums: (0.2+0.2) + ... as docs/reductions.md says.
        double s[4] = {0, 0, 0, 0};
        for (int r7 = 0; r7 < 7; ++r7) s[r7 & 3] += 2 * 0.1;
        double sum = (s[0] + s[1]) + (s[2] + s[3]);
        REQUIRE(r.out.size() == 2);
        CHECK(r.out[0] == sum / 7);
        CHECK(r.out[1] == sum);
    }
    SECTION("beside a loss that reads the columns") {
        Expr loss = ctx.row_mean(pow(m * x - y, ctx.integer(2)));
        Expr outs[] = {loss + ctx.row_mean(two_a)};
        Result r = evaluate_both(outs, Signature{{a, m}, {x, y}}, {0.25, 1.5}, {xs, ys});
        CHECK(r.error.empty());
        REQUIRE(r.out.size() == 1);
        CHECK(std::abs(r.out[0] - (0.5 + [&] {
                           double t = 0;
                           for (std::size_t k = 0; k < xs.size(); ++k) t += (1.5 * xs[k] - ys[k]) * (1.5 * xs[k] - ys[k]);
                           return t / 7;
                       }())) < 1e-12);
    }
    SECTION("a vector that is indexed is not a data column") {
        Expr outs[] = {ctx.row_mean(two_a) + ctx.sum(i, ctx.integer(1), n, ctx.at(w, i))};
        Result r = evaluate_both(outs, Signature{{a, n}, {w, x}}, {0.5, 2}, {{1, 2}, xs});
        CHECK(r.error.empty());
        REQUIRE(r.out.size() == 1);
        CHECK(r.out[0] == 1.0 + 3.0);
    }
    SECTION("data columns of different lengths") {
        Expr outs[] = {ctx.row_mean(two_a)};
        Result r = evaluate_both(outs, Signature{{a}, {x, y}}, {0.5}, {xs, {1, 2}});
        CHECK(r.error == "columns of different lengths in one mean: x has 7 rows, y has 2");
    }
    SECTION("no rows") {
        Expr outs[] = {ctx.row_mean(two_a), ctx.row_sum(two_a)};
        Result r = evaluate_both(outs, Signature{{a}, {x}}, {0.5}, {{}});
        CHECK(r.error == "mean over no rows");
        Expr sum_only[] = {ctx.row_sum(two_a)};
        Result s = evaluate_both(sum_only, Signature{{a}, {x}}, {0.5}, {{}});
        CHECK(s.error.empty());
        CHECK(s.out == std::vector<double>{0.0});
    }
    SECTION("no data column at all") {
        Expr sin_a = ctx.call(Op::Sin, {a});
        Expr outs[] = {ctx.row_mean(sin_a)};
        Result r = evaluate_both(outs, Signature{{a}, {}}, {0.5}, {});
        CHECK(r.error == "the mean mean(sin(a)) over data rows reads no data column, and the signature has none to "
                         "count the rows");
        Expr indexed[] = {ctx.row_sum(sin_a) + ctx.at(w, ctx.integer(1))};
        Result s = evaluate_both(indexed, Signature{{a}, {w}}, {0.5}, {{1}});
        CHECK(s.error == "the sum sum(sin(a)) over data rows reads no data column, and the signature has none to "
                         "count the rows");
    }
}

TEST_CASE("reductions inside reductions: accepted when independent of the enclosing loop") {
    Context ctx;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y"), n = ctx.symbol("n");
    Expr i = ctx.symbol("i"), j = ctx.symbol("j"), k = ctx.symbol("k");
    Expr one = ctx.integer(1);
    const std::vector<double> xs = {1, 2, 3, 4, 5};
    Expr total = ctx.sum(j, one, n, ctx.at(x, j));

    SECTION("an inner sum over its own index is computed once") {
        Expr outs[] = {ctx.sum(i, one, n, ctx.at(x, i) / total)};
        Result r = evaluate_both(outs, Signature{{n}, {x}}, {5}, {xs});
        CHECK(r.error.empty());
        REQUIRE(r.out.size() == 1);
        CHECK(std::abs(r.out[0] - 1.0) < 1e-15);
    }
    SECTION("in a bound, and in a vector output") {
        Expr outs[] = {ctx.sum(i, one, ctx.sum(j, one, ctx.integer(2), ctx.at(x, j)), ctx.at(x, i)),
                       ctx.vec(k, one, n, ctx.at(x, k) - total / n)};
        Result r = evaluate_both(outs, Signature{{n}, {x}}, {5}, {xs});
        CHECK(r.error.empty());
        REQUIRE(r.out.size() == 1);
        CHECK(r.out[0] == 6.0); // x[1] + x[2] + x[3]
        REQUIRE(r.vector_out.size() == 1);
        CHECK(r.vector_out[0] == std::vector<double>{-2, -1, 0, 1, 2});
    }
    SECTION("a mean over the rows inside another: centring") {
        Expr outs[] = {ctx.row_mean(pow(y - ctx.row_mean(y), ctx.integer(2)))};
        Result r = evaluate_both(outs, Signature{{}, {y}}, {}, {xs});
        CHECK(r.error.empty());
        REQUIRE(r.out.size() == 1);
        CHECK(r.out[0] == 2.0);
    }
    SECTION("rejected when the inner one depends on the outer index or rows") {
        Expr body_dep[] = {ctx.sum(i, one, n, ctx.sum(j, one, n, ctx.at(x, j) * i))};
        CHECK(evaluate_both(body_dep, Signature{{n}, {x}}, {5}, {xs}).error ==
              "reductions do not nest: sum(j = 1..n, i*x[j]) depends on i, the index of the sum over i");
        Expr bound_dep[] = {ctx.sum(i, one, n, ctx.sum(j, one, i, ctx.at(x, j)))};
        CHECK(evaluate_both(bound_dep, Signature{{n}, {x}}, {5}, {xs}).error ==
              "reductions do not nest: sum(j = 1..i, x[j]) depends on i, the index of the sum over i");
        Expr row_dep[] = {ctx.row_mean(ctx.sum(j, one, n, ctx.at(x, j) * y))};
        CHECK(evaluate_both(row_dep, Signature{{n}, {x, y}}, {5}, {xs, xs}).error ==
              "reductions do not nest: sum(j = 1..n, x[j]*y) depends on the data rows of the mean over data rows");
    }
    SECTION("the parser rejects every nesting it reads, dependent or not") {
        for (const char* text : {"sum(i = 1..n, x[i]/sum(j = 1..n, x[j]))", "sum(i = 1..sum(j = 1..2, x[j]), x[i])",
                                 "mean((y - mean(y))^2)"}) {
            INFO(text);
            std::string message;
            try {
                (void)parse(ctx, text);
            } catch (const Error& e) {
                message = e.diagnostic().message;
            }
            CHECK(message == "sums and means cannot be nested");
        }
    }
}

TEST_CASE("evaluate() gives sums over constant or bound ranges their LoopInterpreter value") {
    Context ctx;
    CHECK(evaluate(parse_expr(ctx, "sum(i = 1..4, i^2)"), {}) == 30.0);
    CHECK(evaluate(parse_expr(ctx, "mean(i = 1..n, i) + a"), {{"n", 100}, {"a", 0.5}}) == 51.0);
    // The index is not a variable: an unbound one is the bound n, named as for any expression.
    std::string message;
    try {
        evaluate(parse_expr(ctx, "sum(i = 1..n, i)"), {});
    } catch (const Error& e) {
        message = e.what();
    }
    CHECK(message == "unknown variable 'n'");
}
