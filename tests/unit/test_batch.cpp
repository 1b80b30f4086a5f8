// BatchKernel (batch.hpp): outputs at many points through the loop plan, against the
// Interpreter at each point bit for bit, with both engines and any number of threads.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/batch.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

namespace {

bool same(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// Columns of `rows` points over `vars`: the special values where branches switch first, then
// random points of the generator.
std::vector<std::vector<double>> columns(testing::RandomExpr& gen, const std::vector<Expr>& vars, std::size_t rows) {
    const double inf = std::numeric_limits<double>::infinity();
    const double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, inf, -inf, 1e-300, 3.0, -2.0, 0.25};
    std::vector<std::vector<double>> cols(vars.size(), std::vector<double>(rows));
    for (std::size_t r = 0; r < rows; ++r) {
        Bindings b = gen.point(-3, 3);
        for (std::size_t j = 0; j < vars.size(); ++j)
            cols[j][r] = r < 40 ? special[(r + 3 * j) % std::size(special)] : b.at(vars[j].name());
    }
    return cols;
}

struct Result {
    std::vector<std::vector<double>> out;
};

std::vector<std::vector<double>> run_batch(const BatchKernel& k, const std::vector<std::vector<double>>& cols,
                                           std::size_t rows) {
    std::vector<const double*> in;
    for (const auto& c : cols) in.push_back(c.data());
    std::vector<std::vector<double>> out(k.outputs(), std::vector<double>(rows, 12345.0));
    std::vector<double*> outp;
    for (auto& o : out) outp.push_back(o.data());
    k.run(rows, in, outp);
    return out;
}

// Every output at every row against the Interpreter at that point.
void expect_interpreter(std::span<const Expr> outputs, const std::vector<Expr>& vars,
                        const std::vector<std::vector<double>>& cols, const std::vector<std::vector<double>>& got,
                        const std::string& what) {
    Interpreter interp(outputs, vars);
    std::size_t rows = cols.empty() ? 0 : cols[0].size();
    std::vector<double> in(vars.size()), out(outputs.size());
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t j = 0; j < vars.size(); ++j) in[j] = cols[j][r];
        interp.run(in.data(), out.data());
        for (std::size_t k = 0; k < outputs.size(); ++k) {
            if (same(out[k], got[k][r])) continue;
            FAIL_CHECK(what << ": output " << to_string(outputs[k]) << " at row " << r << ": interpreter " << out[k]
                            << ", batch " << got[k][r]);
            return;
        }
    }
}

BatchOptions with(BatchBackend backend, unsigned threads = 1) {
    BatchOptions o;
    o.backend = backend;
    o.threads = threads;
    return o;
}

std::vector<Expr> parsed(Context& ctx, std::initializer_list<const char*> texts) {
    std::vector<Expr> v;
    for (const char* t : texts) v.push_back(parse_expr(ctx, t));
    return v;
}

} // namespace

TEST_CASE("batch: random expressions and their gradients equal the Interpreter at each point, both engines", "[batch]") {
    for (std::uint64_t seed : {11u, 12u, 13u}) {
        Context ctx;
        testing::RandomExprOptions opt;
        opt.max_depth = 4;
        testing::RandomExpr gen(ctx, seed, opt);
        std::vector<Expr> vars{ctx.symbol("x"), ctx.symbol("y"), ctx.symbol("z")};
        std::vector<Expr> outputs;
        for (int i = 0; i < 25; ++i) {
            Expr e = gen.next();
            outputs.push_back(e);
            for (Expr g : gradient(e, vars)) outputs.push_back(g);
        }
        // Not a multiple of four: the JIT's one-at-a-time tail runs too.
        const std::size_t rows = 1003;
        auto cols = columns(gen, vars, rows);
        BatchKernel jit(outputs, vars, with(BatchBackend::Jit));
        BatchKernel interp(outputs, vars, with(BatchBackend::Interpreter));
        CHECK(jit.jit());
        CHECK_FALSE(interp.jit());
        REQUIRE(jit.outputs() == outputs.size());
        expect_interpreter(outputs, vars, cols, run_batch(jit, cols, rows), "jit, seed " + std::to_string(seed));
        expect_interpreter(outputs, vars, cols, run_batch(interp, cols, rows), "interp, seed " + std::to_string(seed));
    }
}

TEST_CASE("batch: the results do not depend on the number of threads", "[batch]") {
    Context ctx;
    testing::RandomExprOptions opt;
    opt.max_depth = 3;
    testing::RandomExpr gen(ctx, 7, opt);
    std::vector<Expr> vars{ctx.symbol("x"), ctx.symbol("y"), ctx.symbol("z")};
    std::vector<Expr> outputs;
    for (int i = 0; i < 6; ++i) outputs.push_back(gen.next());
    // Enough rows that four threads each get a share, and not a multiple of any block.
    const std::size_t rows = 70001;
    auto cols = columns(gen, vars, rows);
    for (BatchBackend b : {BatchBackend::Jit, BatchBackend::Interpreter}) {
        auto one = run_batch(BatchKernel(outputs, vars, with(b, 1)), cols, rows);
        expect_interpreter(outputs, vars, cols, one, "one thread");
        for (unsigned t : {2u, 4u}) {
            auto many = run_batch(BatchKernel(outputs, vars, with(b, t)), cols, rows);
            for (std::size_t k = 0; k < outputs.size(); ++k)
                for (std::size_t r = 0; r < rows; ++r)
                    if (!same(one[k][r], many[k][r])) FAIL(t << " threads differ at output " << k << " row " << r);
        }
    }
}

TEST_CASE("batch: value and gradient of Rosenbrock over a grid", "[batch]") {
    Context ctx;
    Expr f = parse_expr(ctx, "(1 - x)^2 + 100*(y - x^2)^2");
    std::vector<Expr> vars{ctx.symbol("x"), ctx.symbol("y")};
    BatchKernel k = batch_value_and_gradient(f, vars, with(BatchBackend::Jit));
    REQUIRE(k.outputs() == 3);
    std::vector<double> xs, ys;
    for (int i = 0; i < 21; ++i)
        for (int j = 0; j < 21; ++j) xs.push_back(-2 + 0.2 * i), ys.push_back(-1 + 0.2 * j);
    auto out = run_batch(k, {xs, ys}, xs.size());
    std::vector<Expr> outputs = value_and_gradient(f, vars);
    expect_interpreter(outputs, vars, {xs, ys}, out, "rosenbrock");
    // And the numbers are the function's: at (1, 1) the minimum, 0 with a zero gradient.
    std::size_t at = 15 * 21 + 10; // x = 1, y = 1
    CHECK(xs[at] == Approx(1.0));
    CHECK(ys[at] == Approx(1.0));
    CHECK(std::abs(out[0][at]) < 1e-20);
    CHECK(out[1][at] == Approx(-400 * xs[at] * (ys[at] - xs[at] * xs[at]) - 2 * (1 - xs[at])).margin(1e-12));
}

TEST_CASE("batch: a broadcast input is the same as a column of its value", "[batch]") {
    Context ctx;
    auto outputs = parsed(ctx, {"a*exp(-x^2) + sin(a*x)", "x^a"});
    std::vector<Expr> vars{ctx.symbol("x"), ctx.symbol("a")};
    const std::size_t rows = 9001;
    std::vector<double> xs(rows), as(rows, 1.75);
    for (std::size_t r = 0; r < rows; ++r) xs[r] = -4 + 8.0 * static_cast<double>(r) / rows;
    for (BatchBackend b : {BatchBackend::Jit, BatchBackend::Interpreter}) {
        BatchKernel k(outputs, vars, with(b));
        auto expected = run_batch(k, {xs, as}, rows);
        std::vector<double> o0(rows), o1(rows);
        std::vector<BatchInput> in{BatchInput::column(xs.data()), BatchInput::broadcast(1.75)};
        std::vector<double*> out{o0.data(), o1.data()};
        k.run(rows, in, out);
        for (std::size_t r = 0; r < rows; ++r) {
            REQUIRE(same(o0[r], expected[0][r]));
            REQUIRE(same(o1[r], expected[1][r]));
        }
        expect_interpreter(outputs, vars, {xs, as}, expected, "broadcast");
        // Every input broadcast: the same numbers in every row.
        std::vector<BatchInput> both{BatchInput::broadcast(0.5), BatchInput::broadcast(1.75)};
        k.run(3, both, out);
        std::vector<std::vector<double>> point{{0.5, 0.5, 0.5}, {1.75, 1.75, 1.75}};
        std::vector<std::vector<double>> got{{o0[0], o0[1], o0[2]}, {o1[0], o1[1], o1[2]}};
        expect_interpreter(outputs, vars, point, got, "all broadcast");
        // Broadcast with threads: the same bits as a column on one thread.
        const std::size_t many = 70001;
        std::vector<double> xl(many), al(many, 1.75);
        for (std::size_t r = 0; r < many; ++r) xl[r] = -4 + 8.0 * static_cast<double>(r) / many;
        auto one = run_batch(k, {xl, al}, many);
        BatchKernel k4(outputs, vars, with(b, 4));
        std::vector<double> q0(many), q1(many);
        std::vector<double*> out4{q0.data(), q1.data()};
        std::vector<BatchInput> in4{BatchInput::column(xl.data()), BatchInput::broadcast(1.75)};
        k4.run(many, in4, out4);
        CHECK(std::equal(q0.begin(), q0.end(), one[0].begin(), same));
        CHECK(std::equal(q1.begin(), q1.end(), one[1].begin(), same));
    }
}

TEST_CASE("batch: lists, constants, parts free of the inputs and no inputs", "[batch]") {
    Context ctx;
    std::vector<Expr> vars{ctx.symbol("x")};
    // A list contributes its items; a constant output fills its column; a sum that reads no
    // input is computed once.
    auto outputs = parsed(ctx, {"[x^2, 3]", "x*sum(i = 1..3, i^2)"});
    for (BatchBackend b : {BatchBackend::Jit, BatchBackend::Interpreter}) {
        BatchKernel k(outputs, vars, with(b));
        REQUIRE(k.outputs() == 3);
        std::vector<double> xs{-1.5, 0, 2, 3, 4};
        auto out = run_batch(k, {xs}, xs.size());
        for (std::size_t r = 0; r < xs.size(); ++r) {
            CHECK(out[0][r] == xs[r] * xs[r]);
            CHECK(out[1][r] == 3);
            CHECK(out[2][r] == 14 * xs[r]);
        }
    }
    // No inputs at all: every row the same number.
    BatchKernel k(parsed(ctx, {"2 + pi", "sum(i = 1..4, i)"}), {}, with(BatchBackend::Jit));
    REQUIRE(k.outputs() == 2);
    std::vector<double> a(3), c(3);
    std::vector<double*> out{a.data(), c.data()};
    k.run(3, std::span<const BatchInput>{}, out);
    CHECK(a == std::vector<double>(3, 2 + M_PI));
    CHECK(c == std::vector<double>(3, 10.0));
}

TEST_CASE("batch: zero rows write nothing", "[batch]") {
    Context ctx;
    std::vector<Expr> vars{ctx.symbol("x")};
    for (BatchBackend b : {BatchBackend::Jit, BatchBackend::Interpreter}) {
        BatchKernel k(parsed(ctx, {"x + 1"}), vars, with(b, 4));
        double sentinel = 7;
        const double* in[] = {nullptr};
        double* out[] = {&sentinel};
        k.run(0, in, out);
        CHECK(sentinel == 7);
    }
}

TEST_CASE("batch: errors", "[batch]") {
    Context ctx;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y");
    std::vector<Expr> xs{x};
    auto make = [&](const char* text, std::vector<Expr> vars) {
        std::vector<Expr> o{parse_expr(ctx, text)};
        return BatchKernel(o, vars, with(BatchBackend::Interpreter));
    };
    CHECK_THROWS_WITH(make("x + z", xs), "unknown variable 'z'");
    std::vector<Expr> in_list{ctx.add({ctx.integer(1), ctx.list({x, ctx.integer(2)})})};
    CHECK_THROWS_WITH(BatchKernel(in_list, xs), "cannot evaluate a list to a number");
    CHECK_THROWS_WITH(make("sum(i = 1..3, x^i)", xs),
                      "reductions do not nest: sum(i = 1..3, x^i) depends on the points of the batch");
    CHECK_THROWS_WITH(make("sum(x^2)", xs), "sum(x^2) over data rows cannot be evaluated at each point of a batch");
    CHECK_THROWS_WITH(make("x[1] + 2", xs), "'x' in x[1] is a number at each point of a batch, not a vector");
    CHECK_THROWS_WITH(make("len(x)", xs), "'x' in len(x) is a number at each point of a batch, not a vector");
    CHECK_THROWS_WITH(make("x", {x, x}), "variable 'x' is listed twice in the signature");
    CHECK_THROWS_WITH(make("x", {x + y}), "batch inputs must be variables");
    BatchKernel k = make("x*y", {x, y});
    double a = 1, r = 0;
    const double* one[] = {&a};
    double* out[] = {&r};
    CHECK_THROWS_WITH(k.run(1, one, out), "batch run: 1 inputs given, the kernel has 2");
    const double* two[] = {&a, &a};
    CHECK_THROWS_WITH(k.run(1, two, std::span<double* const>{}), "batch run: 0 output columns given, the kernel has 1");
    BatchOptions bad = with(BatchBackend::Jit);
    bad.jit.opt_level = 5;
    std::vector<Expr> o{parse_expr(ctx, "x")};
    CHECK_THROWS_WITH(BatchKernel(o, xs, bad), "optimisation level must be 0..3, got 5");
}

TEST_CASE("batch: the stop flag interrupts a run", "[batch]") {
    Context ctx;
    std::vector<Expr> vars{ctx.symbol("x")};
    const std::size_t rows = 50000;
    std::vector<double> xs(rows, 0.5), out(rows, -1.0);
    volatile std::sig_atomic_t stop = 1;
    for (BatchBackend b : {BatchBackend::Jit, BatchBackend::Interpreter})
        for (unsigned t : {1u, 2u}) {
            BatchKernel k(parsed(ctx, {"sin(x)"}), vars, with(b, t));
            const double* in[] = {xs.data()};
            double* o[] = {out.data()};
            CHECK_THROWS_WITH(k.run(rows, in, o, &stop), "evaluation interrupted");
        }
    // Not set: runs.
    stop = 0;
    BatchKernel k(parsed(ctx, {"sin(x)"}), vars, with(BatchBackend::Jit));
    const double* in[] = {xs.data()};
    double* o[] = {out.data()};
    k.run(rows, in, o, &stop);
    CHECK(out[rows - 1] == std::sin(0.5));
}

TEST_CASE("batch: Auto chooses the JIT only for enough work", "[batch]") {
    Context ctx;
    std::vector<Expr> vars{ctx.symbol("x"), ctx.symbol("y")};
    auto small = parsed(ctx, {"x^2"});
    Expr f = parse_expr(ctx, "(1 - x)^2 + 100*(y - x^2)^2");
    std::vector<Expr> rosenbrock = value_and_gradient(f, vars);
    BatchOptions o;
    CHECK_FALSE(BatchKernel(small, vars, o).jit());
    o.expected_rows = 100000;
    CHECK_FALSE(BatchKernel(small, vars, o).jit());
    CHECK_FALSE(BatchKernel(rosenbrock, vars, o).jit());
    // A bigger body pays sooner.
    o.expected_rows = 2000000;
    CHECK(BatchKernel(rosenbrock, vars, o).jit());
    o.expected_rows = kBatchJitWork;
    CHECK(BatchKernel(small, vars, o).jit());
}
