// The library's evaluation layer (engine.hpp, gradient_check.hpp): binding values and data to
// an expression with sizes inferred, the backend choice, and the gradient check, as the CLI,
// the REPL and the Python module call them. Numbers are compared with what the CLI prints in
// its goldens (tests/golden/cli), so the library and the program cannot drift apart.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "symdiff/data.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/engine.hpp"
#include "symdiff/gradient_check.hpp"
#include "symdiff/number.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

namespace {

Assignment scalar(std::string name, double v) { return Assignment{std::move(name), v, {}, false, {}, {}}; }

Assignment vector(std::string name, std::vector<double> v) {
    return Assignment{std::move(name), 0, std::move(v), true, {}, {}};
}

ParseOptions declaring(std::vector<std::string> names) {
    ParseOptions o;
    o.variables = std::move(names);
    return o;
}

std::string example(const char* name) { return std::string(SYMDIFF_SOURCE_DIR) + "/examples/data/" + name; }

// The Error `run` throws, as "message @ column" (column 0 without a position).
template <class F>
std::string error_of(F&& run) {
    try {
        run();
    } catch (const Error& e) {
        return e.diagnostic().message + " @ " + std::to_string(e.diagnostic().column);
    }
    return "no error";
}

} // namespace

TEST_CASE("bind_loops infers a size from the vectors the expression reads", "[engine]") {
    Context ctx;
    const std::string text = "sum(i = 1..n, x[i]*y[i])";
    const Expr f = parse(ctx, text).expr;
    // z is given but unused: it neither counts for n nor is an error.
    const Assignment at[] = {vector("x", {1, 2, 3}), vector("y", {4, 5, 6}), vector("z", {1})};
    const LoopBinding b = bind_loops(std::span<const Expr>(&f, 1), at, nullptr, text);
    REQUIRE(b.inferred.size() == 1);
    CHECK(b.inferred[0].name == "n");
    CHECK(b.inferred[0].value == 3);
    for (EvalBackend backend : {EvalBackend::Interp, EvalBackend::Jit}) {
        const std::vector<Value> v = evaluate_loops(std::span<const Expr>(&f, 1), b, backend);
        REQUIRE(v.size() == 1);
        CHECK(v[0].scalar == 32);
    }
}

TEST_CASE("bind_loops errors name the symbol with a caret in the source", "[engine]") {
    Context ctx;
    {
        // The words and place of the golden eval_error_list_length_mismatch.
        const std::string text = "sum(i = 1..n, x[i]*y[i])";
        const Expr f = parse(ctx, text).expr;
        const Assignment at[] = {vector("x", {1, 2, 3}), vector("y", {4, 5})};
        CHECK(error_of([&] { bind_loops(std::span<const Expr>(&f, 1), at, nullptr, text); }) ==
              "'n' has no value, and the vectors differ in length (x has 3, y has 2): give it with --at n=... @ 12");
        // Without the source there is no caret, and the same words.
        CHECK(error_of([&] { bind_loops(std::span<const Expr>(&f, 1), at, nullptr); }) ==
              "'n' has no value, and the vectors differ in length (x has 3, y has 2): give it with --at n=... @ 0");
    }
    {
        const std::string text = "sum(i = 1..n, x[i])";
        const Expr f = parse(ctx, text).expr;
        const Assignment at[] = {scalar("x", 1), scalar("n", 2)};
        CHECK(error_of([&] { bind_loops(std::span<const Expr>(&f, 1), at, nullptr, text); }) ==
              "'x' is a vector (x[...]): give its elements with --at 'x=[a, b, ...]' @ 15");
    }
    {
        const std::string text = "mean((m*x + b - yy)^2)";
        ParseOptions po;
        po.variables = {"yy"};
        const Expr f = parse(ctx, text, po).expr;
        DataSet data = read_csv(example("s002_linreg.csv"), CsvOptions{});
        data.source = "d.csv";
        const Assignment at[] = {scalar("m", 1), scalar("b", 0)};
        CHECK(error_of([&] { bind_loops(std::span<const Expr>(&f, 1), at, &data, text); }) ==
              "unknown variable 'yy': give its value with --at yy=... (it is not a column of d.csv; did you mean "
              "'y'?) @ 17");
        CHECK(error_of([&] { bind_loops(std::span<const Expr>(&f, 1), at, nullptr, text); }) ==
              "unknown variable 'x': give its value with --at x=... @ 9");
    }
    {
        const Expr f = parse(ctx, "mean(2*m)").expr;
        const Assignment at[] = {scalar("m", 1)};
        CHECK(error_of([&] { bind_loops(std::span<const Expr>(&f, 1), at, nullptr); }) ==
              "mean(m) runs over the rows of data: give them with --data FILE.csv @ 0");
    }
}

TEST_CASE("bind_loops binds columns by name, and a mean that reads none still runs over the rows", "[engine]") {
    Context ctx;
    const DataSet data = read_csv(example("s002_linreg.csv"), CsvOptions{});
    const Expr fs[] = {parse(ctx, "mean(2*m)").expr, parse(ctx, "sum(x)").expr};
    const Assignment at[] = {scalar("m", 1.5)};
    const LoopBinding b = bind_loops(fs, at, &data);
    const std::vector<Value> v = evaluate_loops(fs, b, EvalBackend::Interp);
    CHECK(v[0].scalar == 3);
    double sum = 0;
    for (double x : *data.column("x")) sum += x;
    CHECK(v[1].scalar == Approx(sum).epsilon(1e-14));
}

TEST_CASE("evaluate_point gives evaluate()'s numbers on either backend and names an unbound variable", "[engine]") {
    Context ctx;
    const std::string text = "[sin(x)*exp(y), x^y]";
    const Expr e = parse(ctx, text).expr;
    const Assignment at[] = {scalar("x", 0.7), scalar("y", -1.3), vector("v", {1, 2})};
    const Bindings b{{"x", 0.7}, {"y", -1.3}};
    for (EvalBackend backend : {EvalBackend::Interp, EvalBackend::Jit, EvalBackend::Auto}) {
        const Value v = evaluate_point(e, at, backend, text);
        REQUIRE(v.is_list);
        REQUIRE(v.items.size() == 2);
        CHECK(v.items[0].scalar == evaluate(e[0], b));
        CHECK(v.items[1].scalar == evaluate(e[1], b));
    }
    const Assignment only_x[] = {scalar("x", 1)};
    CHECK(error_of([&] { evaluate_point(e, only_x, EvalBackend::Auto, text); }) ==
          "unknown variable 'y': give its value with --at y=... @ 13");
}

TEST_CASE("the cost model: one point never pays for the JIT; a large loop does, at -O2 past 2e8", "[engine]") {
    CHECK_FALSE(jit_pays(Work{1000, 1, 1}, false));
    CHECK(jit_pays(Work{1000, 10000, 1}, false));
    CHECK_FALSE(jit_pays(Work{10, 1, 1000}, true));
    CHECK(jit_pays(Work{10, 1, 1e7}, true));
    CHECK(exact_jit_options(Work{10, 1, 1e7}, true).opt_level == 0);
    CHECK(exact_jit_options(Work{10, 1, 1e9}, true).opt_level == 2);
    CHECK(exact_jit_options(Work{10, 1, 1e9}, true).reroll_min_terms == 0);
    CHECK_FALSE(exact_jit_options(Work{10, 1, 1e9}, true).fast_math);
    CHECK_FALSE(loss_jit_pays(Work{30, 3, 50}));
    CHECK(loss_jit_pays(Work{30, 100, 1e6}));
}

TEST_CASE("check_gradient: the CLI's table for tutorial 000, and a wrong derivative fails", "[engine][check]") {
    Context ctx;
    // tests/golden/cli/check_data_linreg: the same numbers through the library.
    const Expr loss = parse(ctx, "mean((m*x + b - y)^2)", declaring({"x", "y"})).expr;
    const DataSet data = read_csv(example("s002_linreg.csv"), CsvOptions{});
    const Assignment at[] = {scalar("m", 0.5), scalar("b", -0.3)};
    const std::vector<Expr> variables = {ctx.symbol("m"), ctx.symbol("x"), ctx.symbol("b"), ctx.symbol("y")};
    const GradientCheck c = check_gradient_loops(loss, {}, variables, at, &data, EvalBackend::Auto);
    REQUIRE(c.rows.size() == 2);
    CHECK(c.rows[0].name == "m");
    CHECK(shortest_double(c.rows[0].symbolic) == "-8.196263036254784");
    CHECK(shortest_double(c.rows[0].numeric) == "-8.196263036230889");
    CHECK(c.rows[1].name == "b");
    CHECK(shortest_double(c.rows[1].numeric) == "-1.6236849935680195");
    CHECK(c.passed());

    // tests/golden/cli/check_relu_kink_fails: relu at its kink, the symbolic derivative 0
    // against the difference 1/2.
    const Expr kink = parse(ctx, "relu(x)").expr;
    const Expr x[] = {ctx.symbol("x")};
    const Assignment zero[] = {scalar("x", 0)};
    const GradientCheck k = check_gradient(kink, x, zero);
    REQUIRE(k.rows.size() == 1);
    CHECK(k.rows[0].symbolic == 0);
    CHECK(k.rows[0].numeric == 0.5);
    CHECK(k.rows[0].error == 1);
    CHECK_FALSE(k.rows[0].passed());
    CHECK_FALSE(k.passed());
}

TEST_CASE("check_gradient agrees with central differences worked by hand", "[engine][check]") {
    Context ctx;
    const Expr f = parse(ctx, "x^2*y + sin(y)").expr;
    const Expr wrt[] = {ctx.symbol("x"), ctx.symbol("y")};
    const Assignment at[] = {scalar("x", 300), scalar("y", 0.25)};
    auto f_at = [](double x, double y) { return x * x * y + std::sin(y); };
    const GradientCheck c = check_gradient(f, wrt, at, EvalBackend::Interp);
    REQUIRE(c.rows.size() == 2);
    const double hx = kCheckStep * 300, hy = kCheckStep; // the step grows with |x| past 1
    CHECK(c.rows[0].numeric == (f_at(300 + hx, 0.25) - f_at(300 - hx, 0.25)) / (2 * hx));
    CHECK(c.rows[1].numeric == (f_at(300, 0.25 + hy) - f_at(300, 0.25 - hy)) / (2 * hy));
    CHECK(c.rows[0].symbolic == 2 * 300 * 0.25);
    CHECK(c.rows[1].symbolic == 300.0 * 300 + std::cos(0.25));
    CHECK(c.passed());
    CHECK(relative_error(1, 1) == 0);
    CHECK(std::isinf(relative_error(NAN, 1)));
    CHECK(check_passes(0.99e-5));
    CHECK_FALSE(check_passes(1e-5));
}

TEST_CASE("a fit through the library equals the CLI's printed fit", "[engine][fit]") {
    Context ctx;
    const DataSet data = read_csv(example("s000_linreg.csv"), CsvOptions{});
    // tests/golden/cli/fit_linreg_tutorial_000: --lr 0.1 --epochs 100 --backend interp.
    const Parsed p = parse(ctx, "mean((w*x + b - y)^2)", declaring(data.names));
    const std::vector<Expr> params = default_parameters(p.expr, p.variables, &data);
    REQUIRE(params.size() == 2);
    CHECK(params[0].name() == "w");
    CHECK(params[1].name() == "b");
    const LossParameters lp = loss_parameters(p.expr, params, {});
    CHECK(lp.start == std::vector<double>{0, 0});
    LossOptions lo;
    lo.backend = Backend::Interpreter;
    const std::vector<ColumnView> columns = column_views(data);
    const Loss loss(p.expr, LossInputs{lp.scalars, lp.vectors, columns, {}}, lo);
    FitOptions fo;
    fo.optimiser.method = Method::GradientDescent;
    fo.optimiser.lr = 0.1;
    fo.epochs = 100;
    const FitReport r = loss.fit(lp.start, fo);
    CHECK(shortest_double(r.report.x[0]) == "2.4616855643782034");
    CHECK(shortest_double(r.report.x[1]) == "0.9926047716456197");
    CHECK(shortest_double(r.report.f) == "0.2016461409917634");
}

TEST_CASE("a vector parameter takes its length from its start value", "[engine][fit]") {
    Context ctx;
    const DataSet data = read_csv(example("s002_linreg.csv"), CsvOptions{});
    // tests/golden/cli/fit_init_vector_comma_list: --init w=0.5,0.5 --lr 0.05 --epochs 200 (jit).
    const Parsed p = parse(ctx, "mean((w[1] + w[2]*x - y)^2)", declaring(data.names));
    const std::vector<Expr> params = default_parameters(p.expr, p.variables, &data);
    REQUIRE(params.size() == 1);
    const Assignment init[] = {vector("w", {0.5, 0.5})};
    const LossParameters lp = loss_parameters(p.expr, params, init);
    REQUIRE(lp.vectors.size() == 1);
    CHECK(lp.vectors[0].length == 2);
    const Loss loss = make_loss(p.expr, lp.scalars, lp.vectors, column_views(data), {}, LossOptions{},
                                EvalBackend::Jit, Work{});
    CHECK(loss.backend() == Backend::Jit);
    FitOptions fo;
    fo.optimiser.method = Method::GradientDescent;
    fo.optimiser.lr = 0.05;
    fo.epochs = 200;
    const FitReport r = loss.fit(lp.start, fo);
    CHECK(shortest_double(r.report.x[0]) == "0.9924861366877493");
    CHECK(shortest_double(r.report.x[1]) == "1.981380500087758");

    CHECK(error_of([&] { loss_parameters(p.expr, params, {}); }) ==
          "'w' is a vector: give its start value and length with --init w=[0]*N @ 0");
    const Expr m = parse(ctx, "mean((m*x - y)^2)", declaring(data.names)).expr;
    const Expr ms[] = {ctx.symbol("m")};
    const Assignment vector_m[] = {vector("m", {1, 2})};
    CHECK(error_of([&] { loss_parameters(m, ms, vector_m, "start"); }) ==
          "start gives a vector to 'm', which the loss uses as a number @ 0");
}

TEST_CASE("a Loss built from LossInputs binds each input by its role", "[engine][fit]") {
    Context ctx;
    const DataSet data = read_csv(example("s003_linreg.csv"), CsvOptions{});
    const Parsed p = parse(ctx, "mean((w[1]*x + w[2] + b - y)^2) + sum(k = 1..n, w[k]^2)/10", declaring(data.names));
    const Expr scalars[] = {ctx.symbol("b")};
    const VectorParameter vectors[] = {{ctx.symbol("w"), 2}};
    const std::vector<ColumnView> columns = column_views(data);
    const SizeBinding sizes[] = {{ctx.symbol("n"), 2}};
    LossOptions lo;
    lo.backend = Backend::Interpreter;
    const Loss by_role(p.expr, LossInputs{scalars, vectors, columns, sizes}, lo);
    REQUIRE(by_role.dims() == 3);
    CHECK(by_role.coordinate_name(1) == "w[1]");
    const double x[] = {0.3, -1.25, 2};
    double a[4];
    by_role(x, a);
    // The same loss written out over the rows: b, then w[1], w[2] in the flat point.
    const auto column = [&](const std::string& name) {
        return data.columns[static_cast<std::size_t>(std::find(data.names.begin(), data.names.end(), name) -
                                                     data.names.begin())];
    };
    const std::vector<double>& xs = column("x");
    const std::vector<double>& ys = column("y");
    const double rows = static_cast<double>(xs.size());
    double f = (x[1] * x[1] + x[2] * x[2]) / 10, gb = 0, g1 = 2 * x[1] / 10, g2 = 2 * x[2] / 10;
    for (std::size_t r = 0; r < xs.size(); ++r) {
        const double e = x[1] * xs[r] + x[2] + x[0] - ys[r];
        f += e * e / rows;
        gb += 2 * e / rows;
        g1 += 2 * e * xs[r] / rows;
        g2 += 2 * e / rows;
    }
    CHECK(a[0] == Approx(f).epsilon(1e-12));
    CHECK(a[1] == Approx(gb).epsilon(1e-12));
    CHECK(a[2] == Approx(g1).epsilon(1e-12));
    CHECK(a[3] == Approx(g2).epsilon(1e-12));
}
