// The tutorials' fitting projects through symdiff::Loss: linear regression (tutorials 000 and
// 002), polynomial regression, logistic regression on two blobs, mini-batches, threads, and
// L-BFGS on extended Rosenbrock. Each result is held against an independent computation: the
// corpus' reference tables (../shared/acceptance/seed_cases.json), a hand-written loop, or a
// closed form.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "symdiff/data.hpp"
#include "symdiff/optimize.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;
using nlohmann::json;

namespace {

// The JIT and the interpreter must give the same numbers (docs/reductions.md); every project
// runs on both.
Backend backend_under_test() {
    return GENERATE(Backend::Interpreter, Backend::Jit);
}

// N rows of a noisy line, made without a random generator: x = 3 sin(freq·i).
void noisy_line(std::size_t N, double freq, std::vector<double>& xs, std::vector<double>& ys) {
    xs.resize(N);
    ys.resize(N);
    for (std::size_t i = 0; i < N; ++i) {
        xs[i] = std::sin(freq * static_cast<double>(i)) * 3;
        ys[i] = 2 * xs[i] + 1 + 0.3 * std::cos(0.37 * static_cast<double>(i));
    }
}

DataSet dataset(const std::string& name) {
    return read_csv(std::string(SYMDIFF_SOURCE_DIR) + "/examples/data/" + name);
}

std::vector<ColumnView> views(const DataSet& d) {
    std::vector<ColumnView> v;
    for (std::size_t c = 0; c < d.names.size(); ++c) v.push_back({d.names[c], d.columns[c]});
    return v;
}

json seed_case(const std::string& id) {
    std::ifstream in(SYMDIFF_SHARED_DIR "/acceptance/seed_cases.json");
    REQUIRE(in);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Python writes NaN for some diverged runs of other cases; none is in what we read.
    std::string clean;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 3, "NaN") == 0) {
            clean += "null";
            i += 2;
        } else {
            clean += text[i];
        }
    }
    for (const auto& c : json::parse(clean))
        if (c.value("id", "") == id) return c;
    FAIL("no seed case " << id);
    return {};
}

// The corpus rounds to 6 decimals.
void same_to_6_decimals(double ours, double reference) {
    INFO("ours " << ours << ", reference " << reference);
    CHECK(std::fabs(ours - reference) <= 5e-7 + 1e-12 * std::fabs(reference));
}

void close_relative(double a, double b, double rel) {
    INFO(a << " vs " << b);
    CHECK(std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)));
}

std::vector<Expr> symbols(Context& ctx, std::initializer_list<const char*> names) {
    std::vector<Expr> out;
    for (const char* n : names) out.push_back(ctx.symbol(n));
    return out;
}

// Gradient descent on the mean squared error of a line, as the tutorials write it in numpy.
void hand_linreg(const DataSet& d, double lr, std::size_t epochs, double& m, double& b, std::vector<double>& curve) {
    const std::vector<double>& x = *d.column("x");
    const std::vector<double>& y = *d.column("y");
    const double n = static_cast<double>(x.size());
    m = b = 0;
    for (std::size_t e = 0; e <= epochs; ++e) {
        double loss = 0, gm = 0, gb = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double r = m * x[i] + b - y[i];
            loss += r * r;
            gm += r * x[i];
            gb += r;
        }
        curve.push_back(loss / n);
        if (e == epochs) break;
        m -= lr * 2 * gm / n;
        b -= lr * 2 * gb / n;
    }
}

// Least squares by the normal equations (XᵀX)θ = Xᵀy, solved by Gaussian elimination with
// partial pivoting; features are the columns of X.
std::vector<double> least_squares(const std::vector<std::vector<double>>& features, const std::vector<double>& y) {
    const std::size_t k = features.size();
    std::vector<std::vector<double>> a(k, std::vector<double>(k + 1, 0.0));
    for (std::size_t i = 0; i < k; ++i) {
        for (std::size_t j = 0; j < k; ++j)
            for (std::size_t r = 0; r < y.size(); ++r) a[i][j] += features[i][r] * features[j][r];
        for (std::size_t r = 0; r < y.size(); ++r) a[i][k] += features[i][r] * y[r];
    }
    for (std::size_t c = 0; c < k; ++c) {
        std::size_t p = c;
        for (std::size_t r = c + 1; r < k; ++r)
            if (std::fabs(a[r][c]) > std::fabs(a[p][c])) p = r;
        std::swap(a[c], a[p]);
        for (std::size_t r = 0; r < k; ++r) {
            if (r == c) continue;
            const double f = a[r][c] / a[c][c];
            for (std::size_t j = c; j <= k; ++j) a[r][j] -= f * a[c][j];
        }
    }
    std::vector<double> theta(k);
    for (std::size_t i = 0; i < k; ++i) theta[i] = a[i][k] / a[i][i];
    return theta;
}

FitOptions gd(double lr, std::size_t epochs) {
    FitOptions o;
    o.optimiser.method = Method::GradientDescent;
    o.optimiser.lr = lr;
    o.epochs = epochs;
    return o;
}

} // namespace

TEST_CASE("fit: tutorial 002's linear regression reproduces the corpus table, a hand loop and least squares", "[fit]") {
    const Backend backend = backend_under_test();
    Context ctx;
    const DataSet d = dataset("s002_linreg.csv");
    REQUIRE(d.rows() == 50);
    const Expr f = parse_expr(ctx, "mean((m*x + b - y)^2)");
    const auto params = symbols(ctx, {"m", "b"});
    const auto cols = views(d);
    LossOptions lo;
    lo.backend = backend;
    const Loss loss(f, LossInputs{.scalars = params, .columns = cols}, lo);
    REQUIRE(loss.dims() == 2);
    REQUIRE(loss.rows() == 50);
    const json ref = seed_case("s002-linreg-project")["reference"];

    // The gradient check of the tutorial at (0.5, -0.3).
    double at[2] = {0.5, -0.3}, out[3];
    loss(at, out);
    same_to_6_decimals(out[0], ref["at_check_point"]["loss"].get<double>());
    same_to_6_decimals(out[1], ref["at_check_point"]["grad"]["m"].get<double>());
    same_to_6_decimals(out[2], ref["at_check_point"]["grad"]["b"].get<double>());

    FitOptions o = gd(0.05, 200);
    o.record_path = true;
    const std::vector<double> start{0, 0};
    const FitReport r = loss.fit(start, o);
    REQUIRE(r.epochs_run == 200);
    REQUIRE(r.curve.size() == 201);
    REQUIRE(r.path.size() == 2 * 201);
    CHECK(r.report.steps == 200);
    CHECK(r.batches_per_epoch == 1);
    // The table: epoch k holds the parameters before update k and the loss there.
    for (const auto& [epoch, row] : ref["train_200_epochs"]["table_epoch:[param,b,loss_before_update]"].items()) {
        const std::size_t k = std::stoul(epoch);
        INFO("epoch " << k);
        same_to_6_decimals(r.path[2 * k], row[0].get<double>());
        same_to_6_decimals(r.path[2 * k + 1], row[1].get<double>());
        same_to_6_decimals(r.curve[k], row[2].get<double>());
    }
    same_to_6_decimals(r.report.x[0], ref["train_200_epochs"]["m"].get<double>());
    same_to_6_decimals(r.report.x[1], ref["train_200_epochs"]["b"].get<double>());
    same_to_6_decimals(r.report.f, ref["train_200_epochs"]["loss_at_final_params"].get<double>());

    double m = 0, b = 0;
    std::vector<double> curve;
    hand_linreg(d, 0.05, 200, m, b, curve);
    close_relative(r.report.x[0], m, 1e-12);
    close_relative(r.report.x[1], b, 1e-12);
    for (std::size_t k = 0; k <= 200; ++k) close_relative(r.curve[k], curve[k], 1e-12);

    // 200 epochs of gradient descent reach the least-squares line to about 1e-8.
    const std::vector<double> ones(d.rows(), 1.0);
    const auto theta = least_squares({*d.column("x"), ones}, *d.column("y"));
    CHECK(std::fabs(r.report.x[0] - theta[0]) < 1e-7);
    CHECK(std::fabs(r.report.x[1] - theta[1]) < 1e-7);
    same_to_6_decimals(theta[0], ref["ols_solution"]["m"].get<double>());
    same_to_6_decimals(theta[1], ref["ols_solution"]["b"].get<double>());
}

TEST_CASE("fit: tutorial 000's 100-point regression (lr 0.1, 100 epochs) reproduces the corpus", "[fit]") {
    const Backend backend = backend_under_test();
    Context ctx;
    const DataSet d = dataset("s000_linreg.csv");
    REQUIRE(d.rows() == 100);
    LossOptions lo;
    lo.backend = backend;
    const auto cols = views(d);
    const Loss loss(parse_expr(ctx, "mean((w*x + b - y)^2)"),
        LossInputs{.scalars = symbols(ctx, {"w", "b"}), .columns = cols}, lo);
    const json ref = seed_case("s000-linreg-gd")["reference"];
    FitOptions o = gd(0.1, 100);
    o.record_path = true;
    const FitReport r = loss.fit(std::vector<double>{0, 0}, o);
    same_to_6_decimals(r.report.x[0], ref["train_100_epochs"]["w"].get<double>());
    same_to_6_decimals(r.report.x[1], ref["train_100_epochs"]["b"].get<double>());
    // Row k of the table: the parameters after k updates and the loss there.
    for (const auto& [epoch, row] : ref["train_100_epochs"]["table_epoch:[param,b,loss_before_update]"].items()) {
        const std::size_t k = std::stoul(epoch);
        INFO("epoch " << k);
        same_to_6_decimals(r.curve[k], row[2].get<double>());
        same_to_6_decimals(r.path[2 * k], row[0].get<double>());
        same_to_6_decimals(r.path[2 * k + 1], row[1].get<double>());
    }
    double w = 0, b = 0;
    std::vector<double> curve;
    hand_linreg(d, 0.1, 100, w, b, curve);
    close_relative(r.report.x[0], w, 1e-12);
    close_relative(r.report.x[1], b, 1e-12);
    const std::vector<double> ones(d.rows(), 1.0);
    const auto theta = least_squares({*d.column("x"), ones}, *d.column("y"));
    same_to_6_decimals(theta[0], ref["ols_solution"]["w"].get<double>());
    CHECK(std::fabs(r.report.x[0] - theta[0]) < 1e-6);
    CHECK(std::fabs(r.report.x[1] - theta[1]) < 1e-6);
}

TEST_CASE("fit: polynomial regression reaches the normal-equations solution", "[fit]") {
    const Backend backend = backend_under_test();
    Context ctx;
    const DataSet d = dataset("poly.csv");
    const std::vector<double>& x = *d.column("x");
    std::vector<double> x2(x.size()), ones(x.size(), 1.0);
    for (std::size_t i = 0; i < x.size(); ++i) x2[i] = x[i] * x[i];
    const auto theta = least_squares({x2, x, ones}, *d.column("y"));

    LossOptions lo;
    lo.backend = backend;
    const auto cols = views(d);
    const Loss loss(parse_expr(ctx, "mean((a*x^2 + b*x + c - y)^2)"),
        LossInputs{.scalars = symbols(ctx, {"a", "b", "c"}), .columns = cols}, lo);
    FitOptions o;
    o.optimiser.method = Method::LBFGS;
    o.optimiser.grad_tol = 1e-12;
    o.epochs = 200;
    const FitReport r = loss.fit(std::vector<double>{0, 0, 0}, o);
    for (std::size_t i = 0; i < 3; ++i) close_relative(r.report.x[i], theta[i], 1e-9);
    // Plain gradient descent gets there too, slowly.
    const FitReport g = loss.fit(std::vector<double>{0, 0, 0}, gd(0.01, 5000));
    for (std::size_t i = 0; i < 3; ++i) close_relative(g.report.x[i], theta[i], 1e-6);
    CHECK(g.curve.front() > g.curve.back());
}

TEST_CASE("fit: logistic regression on two blobs is the hand-written loop; the gradient at 0 is the corpus'", "[fit]") {
    const Backend backend = backend_under_test();
    Context ctx;
    const DataSet d = dataset("s003_logistic.csv");
    REQUIRE(d.rows() == 100);
    const json c = seed_case("s003-logistic-bce");
    const Expr f = parse_expr(ctx, c["expr"].get<std::string>());
    LossOptions lo;
    lo.backend = backend;
    const auto cols = views(d);
    const Loss loss(f, LossInputs{.scalars = symbols(ctx, {"w1", "w2", "b"}), .columns = cols}, lo);
    double zero[3] = {0, 0, 0}, out[4];
    loss(zero, out);
    const json& ref = c["reference"]["at_w0_b0"];
    same_to_6_decimals(out[0], ref["loss"].get<double>());
    same_to_6_decimals(out[1], ref["dL/dw"][0].get<double>());
    same_to_6_decimals(out[2], ref["dL/dw"][1].get<double>());
    CHECK(std::fabs(out[3]) < 1e-15); // balanced classes: exactly 0 up to rounding

    const FitReport r = loss.fit(std::vector<double>{0, 0, 0}, gd(0.1, 300));
    // The tutorial's loop: p = sigmoid(w·x + b), ∂L/∂w = mean((p - y)x), ∂L/∂b = mean(p - y).
    const auto& x1 = *d.column("x1");
    const auto& x2 = *d.column("x2");
    const auto& y = *d.column("y");
    double w1 = 0, w2 = 0, b = 0, loss_end = 0;
    const double n = static_cast<double>(y.size());
    for (std::size_t e = 0; e <= 300; ++e) {
        double g1 = 0, g2 = 0, gb = 0, l = 0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            const double z = w1 * x1[i] + w2 * x2[i] + b;
            const double p = 1 / (1 + std::exp(-z));
            l += -(y[i] * std::log(p) + (1 - y[i]) * std::log(1 - p));
            g1 += (p - y[i]) * x1[i];
            g2 += (p - y[i]) * x2[i];
            gb += p - y[i];
        }
        loss_end = l / n;
        if (e == 300) break;
        w1 -= 0.1 * g1 / n;
        w2 -= 0.1 * g2 / n;
        b -= 0.1 * gb / n;
    }
    close_relative(r.report.x[0], w1, 1e-12);
    close_relative(r.report.x[1], w2, 1e-12);
    close_relative(r.report.x[2] + 1, b + 1, 1e-12); // b is near 0: compare on a unit scale
    close_relative(r.report.f, loss_end, 1e-12);
    CHECK(r.report.f < 0.05); // separable blobs: the loss keeps falling
}

TEST_CASE("fit: mini-batches follow the documented shuffle; the seed decides the result", "[fit]") {
    Context ctx;
    const DataSet d = dataset("s002_linreg.csv");
    const auto cols = views(d);
    LossOptions lo;
    lo.backend = Backend::Interpreter;
    const Loss loss(parse_expr(ctx, "mean((m*x + b - y)^2)"),
        LossInputs{.scalars = symbols(ctx, {"m", "b"}), .columns = cols}, lo);
    FitOptions o = gd(0.05, 30);
    o.batch = 16; // 50 rows: batches of 16, 16, 16 and 2
    o.seed = 7;
    const std::vector<double> start{0, 0};
    const FitReport a = loss.fit(start, o);
    const FitReport again = loss.fit(start, o);
    CHECK(a.batches_per_epoch == 4);
    CHECK(a.report.steps == 120);
    CHECK(a.report.x == again.report.x);
    CHECK(a.curve == again.curve);
    o.seed = 8;
    const FitReport other = loss.fit(start, o);
    CHECK(other.report.x != a.report.x);

    // The same run by hand: a fresh Fisher–Yates shuffle per epoch from one mt19937_64, each j
    // uniform in 0..i by rejection, then one update per batch of the batch's mean gradient.
    const auto& x = *d.column("x");
    const auto& y = *d.column("y");
    std::mt19937_64 rng(7);
    auto below = [&rng](std::uint64_t bound) {
        const std::uint64_t threshold = (0 - bound) % bound;
        for (;;) {
            const std::uint64_t r = rng();
            if (r >= threshold) return r % bound;
        }
    };
    double m = 0, b = 0;
    std::vector<std::size_t> order(x.size());
    for (int e = 0; e < 30; ++e) {
        std::iota(order.begin(), order.end(), std::size_t{0});
        for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[below(i + 1)]);
        for (std::size_t s = 0; s < order.size(); s += 16) {
            const std::size_t cnt = std::min<std::size_t>(16, order.size() - s);
            double gm = 0, gb = 0;
            for (std::size_t t = 0; t < cnt; ++t) {
                const std::size_t i = order[s + t];
                const double r = m * x[i] + b - y[i];
                gm += r * x[i];
                gb += r;
            }
            m -= 0.05 * 2 * gm / static_cast<double>(cnt);
            b -= 0.05 * 2 * gb / static_cast<double>(cnt);
        }
    }
    close_relative(a.report.x[0], m, 1e-12);
    close_relative(a.report.x[1], b, 1e-12);

    // Adam keeps its moments across batches and epochs.
    o.optimiser.method = Method::Adam;
    o.optimiser.lr = 0.1;
    const FitReport adam = loss.fit(start, o);
    CHECK(std::fabs(adam.report.x[0] - 1.98) < 0.1);
    // L-BFGS compares losses of one set of rows: no mini-batches.
    o.optimiser.method = Method::LBFGS;
    CHECK_THROWS_WITH(loss.fit(start, o), Catch::Contains("full batch"));
}

TEST_CASE("fit: threads give one thread's numbers for losses linear in their row reductions", "[fit]") {
    const Backend backend = backend_under_test();
    Context ctx;
    // 200,000 rows of a noisy line, made without a random generator.
    const std::size_t N = 200000;
    std::vector<double> xs, ys;
    noisy_line(N, 0.001, xs, ys);
    const std::vector<ColumnView> cols{{"x", xs}, {"y", ys}};
    const Expr f = parse_expr(ctx, "mean((m*x + b - y)^2) + 0.01*(m^2 + b^2) + sum(abs(m*x + b - y))/1000000");
    const auto params = symbols(ctx, {"m", "b"});
    LossOptions one, four;
    one.backend = four.backend = backend;
    one.threads = 1;
    four.threads = 4;
    const Loss serial(f, LossInputs{.scalars = params, .columns = cols}, one);
    const Loss parallel(f, LossInputs{.scalars = params, .columns = cols}, four);
    CHECK(serial.threads() == 1);
    CHECK(parallel.threads() == 4);
    CHECK(parallel.serial_reason().empty());
    double at[2] = {0.7, -0.2}, a[3], p[3];
    serial(at, a);
    parallel(at, p);
    for (int i = 0; i < 3; ++i) close_relative(a[i], p[i], 1e-12);
    const FitReport rs = serial.fit(std::vector<double>{0, 0}, gd(0.1, 50));
    const FitReport rp = parallel.fit(std::vector<double>{0, 0}, gd(0.1, 50));
    for (int i = 0; i < 2; ++i) close_relative(rs.report.x[i], rp.report.x[i], 1e-12);
    CHECK(rp.threads == 4);
    // Block order, not finishing order: the same threads give the same bits every time.
    double again[3];
    parallel(at, again);
    CHECK(std::equal(p, p + 3, again));

    // ln(mean(...)) is not a sum of row reductions: one thread, and the reason says so.
    const Loss nonlinear(parse_expr(ctx, "ln(mean((m*x + b - y)^2))"),
        LossInputs{.scalars = params, .columns = cols}, four);
    CHECK(nonlinear.threads() == 1);
    CHECK_THAT(nonlinear.serial_reason(), Catch::Contains("not linear"));
}

TEST_CASE("fit: Loss::value is the loss without its gradient, the bits of the call operator's", "[fit]") {
    const Backend backend = backend_under_test();
    Context ctx;
    const std::size_t N = 5003;
    std::vector<double> xs, ys;
    noisy_line(N, 0.0013, xs, ys);
    const std::vector<ColumnView> cols{{"x", xs}, {"y", ys}};
    const auto params = symbols(ctx, {"m", "b"});
    const Expr w = ctx.symbol("w");
    const VectorParameter vec{w, 3};
    // Rows in one pass, rows in blocks on one and on three threads, and a vector parameter.
    for (const std::size_t threads : {std::size_t{1}, std::size_t{3}})
        for (const std::size_t min_rows : {std::size_t{100000}, std::size_t{100}}) {
            INFO(threads << " threads, blocks from " << min_rows << " rows");
            LossOptions lo;
            lo.backend = backend;
            lo.threads = threads;
            lo.parallel_min_rows = min_rows;
            const Expr f = parse_expr(ctx, "mean((m*x + b - y)^2) + 0.01*(m^2 + b^2) + sum(k = 1..3, (w[k] - k)^2)");
            const Loss loss(f, LossInputs{.scalars = params, .vectors = std::span<const VectorParameter>(&vec, 1),
                                          .columns = cols},
                            lo);
            const double at[5] = {0.7, -0.2, 1, 2.5, -3};
            double out[6];
            loss(at, out);
            const double v = loss.value(at);
            CHECK(std::memcmp(&v, &out[0], sizeof v) == 0);
            double expected = 0.01 * (0.7 * 0.7 + 0.2 * 0.2) + 0 + 0.25 + 36;
            double mse = 0;
            for (std::size_t i = 0; i < N; ++i) mse += (0.7 * xs[i] - 0.2 - ys[i]) * (0.7 * xs[i] - 0.2 - ys[i]);
            expected += mse / static_cast<double>(N);
            CHECK(v == Approx(expected).epsilon(1e-12));
        }
}

TEST_CASE("fit: an Objective made from a Loss runs and assesses it as the Loss does", "[fit]") {
    Context ctx;
    const DataSet d = dataset("s002_linreg.csv");
    const std::vector<ColumnView> cols = views(d);
    LossOptions lo;
    lo.backend = backend_under_test();
    const Expr f = parse_expr(ctx, "mean((m*x + b - y)^2)");
    const auto params = symbols(ctx, {"m", "b"});
    const Loss alone(f, LossInputs{.scalars = params, .columns = cols}, lo);
    const Objective obj{Loss(f, LossInputs{.scalars = params, .columns = cols}, lo)};
    REQUIRE(obj.loss() != nullptr);
    CHECK(obj.loss()->rows() == alone.rows());
    CHECK(obj.dims() == 2);
    CHECK(obj.backend() == lo.backend);
    Options o;
    o.method = Method::Adam;
    o.lr = 0.05;
    o.max_steps = 300;
    const std::vector<double> start{0, 0};
    const Report a = alone.minimize(start, o), b = obj.minimize(start, o);
    REQUIRE(a.steps == b.steps);
    for (std::size_t i = 0; i < 2; ++i) CHECK(std::memcmp(&a.x[i], &b.x[i], sizeof(double)) == 0);
    CHECK(alone.assess(a, o).verdict == obj.assess(b, o).verdict);
    double out[3];
    obj(b.x.data(), out);
    CHECK(std::memcmp(&out[0], &b.f, sizeof(double)) == 0);
    CHECK(obj.value(b.x.data()) == out[0]);
}

TEST_CASE("fit: the loss over many rows has the same bits for 1, 2, 3 and 7 threads", "[fit]") {
    const Backend backend = backend_under_test();
    Context ctx;
    // 30,011 rows (a prime: no block count divides them) of a noisy line.
    const std::size_t N = 30011;
    std::vector<double> xs, ys;
    noisy_line(N, 0.0013, xs, ys);
    const std::vector<ColumnView> cols{{"x", xs}, {"y", ys}};
    const Expr f = parse_expr(ctx, "mean((m*x + b - y)^2) + 0.01*(m^2 + b^2) + sum(ln(1 + exp(-y*(m*x + b))))/30011");
    const auto params = symbols(ctx, {"m", "b"});
    struct Result {
        double out[3];
        std::vector<double> full, batched;
    };
    auto run = [&](std::size_t threads) {
        LossOptions o;
        o.backend = backend;
        o.threads = threads;
        o.parallel_min_rows = 1000;
        const Loss loss(f, LossInputs{.scalars = params, .columns = cols}, o);
        CHECK(loss.threads() == threads);
        Result r;
        const double at[2] = {0.7, -0.2};
        loss(at, r.out);
        r.full = loss.fit(std::vector<double>{0, 0}, gd(0.05, 20)).report.x;
        FitOptions mini = gd(0.05, 3);
        mini.batch = 4000;
        r.batched = loss.fit(std::vector<double>{0, 0}, mini).report.x;
        return r;
    };
    const Result one = run(1);
    for (std::size_t threads : {2, 3, 7}) {
        INFO(threads << " threads");
        const Result r = run(threads);
        CHECK(std::memcmp(one.out, r.out, sizeof one.out) == 0);
        CHECK(one.full == r.full);
        CHECK(one.batched == r.batched);
    }
}

TEST_CASE("fit: extended Rosenbrock over a vector, solved by L-BFGS", "[fit]") {
    const Backend backend = backend_under_test();
    Context ctx;
    const Expr f = parse_expr(ctx, "sum(i = 1..n-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)");
    const std::size_t n = 200;
    LossOptions lo;
    lo.backend = backend;
    const VectorParameter x{ctx.symbol("x"), n};
    const Loss loss(f, LossInputs{.vectors = std::span<const VectorParameter>(&x, 1)}, lo);
    REQUIRE(loss.dims() == n);
    REQUIRE(loss.sizes().size() == 1);
    CHECK(loss.sizes()[0].symbol.name() == "n");
    CHECK(loss.sizes()[0].value == static_cast<double>(n));
    CHECK(loss.coordinate_name(0) == "x[1]");
    CHECK(loss.coordinate_name(n - 1) == "x[200]");

    // The gradient against the hand-written formula.
    std::vector<double> start(n);
    for (std::size_t i = 0; i < n; ++i) start[i] = i % 2 == 0 ? -1.2 : 1.0;
    std::vector<double> out(n + 1), g(n, 0.0);
    loss(start.data(), out.data());
    double fv = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double t = start[i + 1] - start[i] * start[i];
        fv += 100 * t * t + (1 - start[i]) * (1 - start[i]);
        g[i] += -400 * start[i] * t - 2 * (1 - start[i]);
        g[i + 1] += 200 * t;
    }
    close_relative(out[0], fv, 1e-13);
    for (std::size_t i = 0; i < n; ++i) close_relative(out[1 + i], g[i], 1e-13);

    Options o;
    o.method = Method::LBFGS;
    o.grad_tol = 1e-6;
    o.max_steps = 100000;
    const Report r = loss.minimize(start, o);
    CHECK(r.reason == StopReason::GradientTolerance);
    CHECK(r.grad_norm < 1e-6);
    for (double v : r.x) CHECK(std::fabs(v - 1) < 1e-6);
}

TEST_CASE("fit: a Loss names what it cannot bind", "[fit]") {
    Context ctx;
    const std::vector<double> xs{1, 2, 3}, ys{1, 2};
    const std::vector<ColumnView> cols{{"x", xs}, {"y", ys}};
    const auto m = symbols(ctx, {"m"});
    CHECK_THROWS_WITH(Loss(parse_expr(ctx, "mean((m*x - z)^2)"),
        LossInputs{.scalars = m, .columns = std::span<const ColumnView>(cols.data(), 1)}),
                      Catch::Contains("'z'"));
    CHECK_THROWS_WITH(Loss(parse_expr(ctx, "mean((m*x - y)^2)"),
        LossInputs{.scalars = m, .columns = cols}), Catch::Contains("different lengths"));
    const Expr dot = parse_expr(ctx, "sum(i = 1..n, x[i]*u[i])");
    const VectorParameter vs[] = {{ctx.symbol("x"), 3}, {ctx.symbol("u"), 4}};
    CHECK_THROWS_WITH(Loss(dot,
        LossInputs{.vectors = vs}), Catch::Contains("'n'") && Catch::Contains("differ in length"));
}

TEST_CASE("fit: a mean over rows that reads no column runs over the rows of the data", "[fit]") {
    // docs/reductions.md: mean(2*m) is 2m beside the data as alone, and sum(1) counts rows.
    Context ctx;
    LossOptions lo;
    lo.backend = backend_under_test();
    const std::vector<double> xs{1, 2, 3, 4}, ys{2, 4, 6, 9};
    const std::vector<ColumnView> cols{{"x", xs}, {"y", ys}};
    const auto params = symbols(ctx, {"m"});
    const Loss alone(parse_expr(ctx, "mean((m - 3)^2) + sum(m)"), LossInputs{.scalars = params, .columns = cols}, lo);
    CHECK(alone.rows() == 4);
    CHECK(alone.columns_used().empty());
    double out[2];
    const double m = 1.5;
    alone(&m, out);
    CHECK(out[0] == Approx((m - 3) * (m - 3) + 4 * m));
    CHECK(out[1] == Approx(2 * (m - 3) + 4));

    // Beside a data term: the regulariser's gradient 2m·λ is not multiplied or divided by rows.
    const Loss ridge(parse_expr(ctx, "mean((m*x - y)^2) + mean(m^2)/10"),
        LossInputs{.scalars = params, .columns = cols}, lo);
    CHECK(ridge.rows() == 4);
    CHECK(ridge.columns_used() == std::vector<std::string>{"x", "y"});
    ridge(&m, out);
    double f = 0, g = 0;
    for (std::size_t r = 0; r < xs.size(); ++r) {
        f += (m * xs[r] - ys[r]) * (m * xs[r] - ys[r]) / 4;
        g += 2 * (m * xs[r] - ys[r]) * xs[r] / 4;
    }
    CHECK(out[0] == Approx(f + m * m / 10));
    CHECK(out[1] == Approx(g + 2 * m / 10));

    // Without data the rows cannot be counted: the loop evaluators' error.
    CHECK_THROWS_WITH(Loss(parse_expr(ctx, "mean(m^2)"),
        LossInputs{.scalars = params}, lo), Catch::Contains("reads no data column"));
}

TEST_CASE("fit: the stop flag ends a run before its next batch; on_epoch sees every epoch", "[fit][interrupt]") {
    Context ctx;
    const DataSet d = dataset("s002_linreg.csv");
    const auto cols = views(d);
    const Loss loss(parse_expr(ctx, "mean((m*x + b - y)^2)"),
        LossInputs{.scalars = symbols(ctx, {"m", "b"}), .columns = cols});
    const std::vector<double> start{0, 0};

    FitOptions o = gd(0.05, 30);
    std::vector<double> seen;
    std::size_t next_epoch = 0;
    auto on_epoch = [&](const StepInfo& s) {
        CHECK(s.step == next_epoch++);
        CHECK(s.x.size() == 2);
        CHECK(s.grad.empty());
        seen.push_back(s.f);
        return true;
    };
    o.on_epoch = CallbackRef(on_epoch);
    for (const std::size_t batch : {std::size_t{0}, std::size_t{16}}) {
        INFO("batch " << batch);
        o.batch = batch;
        seen.clear();
        next_epoch = 0;
        const FitReport r = loss.fit(start, o);
        CHECK(r.report.reason != StopReason::Interrupted);
        CHECK(seen == r.curve); // the trace of the CLI is written from these calls alone
    }

    volatile std::sig_atomic_t flag = 1;
    o.optimiser.stop = &flag;
    o.on_epoch = {};
    o.batch = 0;
    const FitReport full = loss.fit(start, o);
    CHECK(full.report.reason == StopReason::Interrupted);
    CHECK(full.report.message == "interrupted at epoch 0 (0 updates)");
    CHECK(full.report.x == start);
    o.batch = 16;
    const FitReport batches = loss.fit(start, o);
    CHECK(batches.report.reason == StopReason::Interrupted);
    CHECK(batches.report.message == "interrupted in epoch 1 (0 updates)");
    CHECK(batches.report.f == batches.curve.front()); // the loss over all rows where it stopped
    CHECK(batches.curve.size() == 1);

    // Returning false from on_epoch stops the run too.
    o.optimiser.stop = nullptr;
    auto stop_at_3 = [](const StepInfo& s) { return s.step < 3; };
    o.on_epoch = CallbackRef(stop_at_3);
    const FitReport three = loss.fit(start, o);
    CHECK(three.report.reason == StopReason::Callback);
    CHECK(three.epochs_run == 3);
}
