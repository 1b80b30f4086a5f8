// What a point is (minimum, saddle, maximum, degenerate) and the verdicts that use it: the
// second-derivative test of symdiff::assess, Objective::curvature and Loss::curvature
// (optimize.hpp), against Hessians whose eigenvalues are known.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "symdiff/optimize.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

namespace {

Objective objective(Context& ctx, const char* text, std::vector<Expr>& vars) {
    const Parsed p = parse(ctx, text);
    vars = p.variables;
    return Objective(p.expr, vars, Backend::Interpreter);
}

} // namespace

TEST_CASE("curvature: eigenvalues of symmetric matrices", "[optimize][curvature]") {
    const std::vector<double> a{2, 1, 1, 2};
    const auto ev = symmetric_eigenvalues(a, 2);
    REQUIRE(ev.size() == 2);
    CHECK(ev[0] == Approx(1).epsilon(1e-14));
    CHECK(ev[1] == Approx(3).epsilon(1e-14));
    // The 5×5 second-difference matrix: eigenvalues 2 - 2cos(kπ/6).
    const std::size_t n = 5;
    std::vector<double> t(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        t[i * n + i] = 2;
        if (i + 1 < n) t[i * n + i + 1] = t[(i + 1) * n + i] = -1;
    }
    const auto tv = symmetric_eigenvalues(t, n);
    for (std::size_t k = 1; k <= n; ++k) CHECK(tv[k - 1] == Approx(2 - 2 * std::cos(k * M_PI / 6)).margin(1e-13));
    CHECK(classify_curvature(tv).kind == PointKind::Minimum);
    CHECK(classify_curvature({-2, 2}).kind == PointKind::Saddle);
    CHECK(classify_curvature({-3, -1}).kind == PointKind::Maximum);
    CHECK(classify_curvature({0, 4}).kind == PointKind::Degenerate);
    CHECK(classify_curvature({0, 0}).kind == PointKind::Degenerate);
    CHECK(classify_curvature({1e-12, 4}).kind == PointKind::Degenerate);
}

TEST_CASE("curvature: a Lanczos probe finds the negative direction of a large Hessian", "[optimize][curvature]") {
    // diag(1, 2, ..., 199, -0.5): one negative eigenvalue among 200.
    const std::size_t n = 200;
    auto hv = [&](const double* v, double* out) {
        for (std::size_t i = 0; i + 1 < n; ++i) out[i] = static_cast<double>(i + 1) * v[i];
        out[n - 1] = -0.5 * v[n - 1];
    };
    const Curvature c = probe_curvature(n, hv);
    CHECK(c.probed);
    CHECK(c.kind == PointKind::Saddle);
    CHECK(c.eigenvalues.front() < 0);
    auto pd = [&](const double* v, double* out) {
        for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<double>(i + 1) * v[i];
    };
    CHECK(probe_curvature(n, pd).kind == PointKind::Minimum);
}

TEST_CASE("curvature: minimize tells a saddle from a minimum (issue 15, item 5)", "[optimize][curvature]") {
    Context ctx;
    std::vector<Expr> vars;
    const Objective f = objective(ctx, "x^2 - y^2", vars);
    Options o; // gd, lr 0.001, 10,000 steps
    const std::vector<double> ridge{1, 0};
    const Report r = f.minimize(ridge, o);
    const Assessment a = f.assess(r, o);
    CHECK(a.verdict == Verdict::Saddle);
    REQUIRE(a.point);
    CHECK(a.point->kind == PointKind::Saddle);
    CHECK(a.point->eigenvalues == std::vector<double>{-2, 2});
    CHECK(format_assessment(a) == "point:    saddle: Hessian eigenvalues -2, 2\nverdict:  saddle\n");

    // Off the ridge the run leaves the saddle and f falls without end: not `slow`.
    const std::vector<double> off{1, 0.001};
    const Report away = f.minimize(off, o);
    CHECK(away.reason == StopReason::MaxSteps);
    CHECK(f.assess(away, o).verdict == Verdict::Unbounded);
    // With a faster rate it passes the divergence bound below: unbounded as well, not diverged.
    Options fast = o;
    fast.lr = 0.01;
    const Report gone = f.minimize(off, fast);
    CHECK(gone.reason == StopReason::Diverged);
    CHECK(f.assess(gone, fast).verdict == Verdict::Unbounded);
    // L-BFGS's line search finds no step where the slope levels off.
    Options lbfgs = o;
    lbfgs.method = Method::LBFGS;
    CHECK(f.assess(f.minimize(off, lbfgs), lbfgs).verdict == Verdict::Unbounded);

    const Objective bowl = objective(ctx, "x^2 + 3*y^2", vars);
    const Report down = bowl.minimize(ridge, o);
    const Assessment m = bowl.assess(down, o);
    CHECK(m.verdict == Verdict::Converged);
    REQUIRE(m.point);
    CHECK(m.point->kind == PointKind::Minimum);
    CHECK(m.point->eigenvalues == std::vector<double>{2, 6});

    // Started at a maximum, gradient descent cannot move: the gradient is 0 there.
    const Objective cap = objective(ctx, "-(x^2 + y^2)", vars);
    const std::vector<double> top{0, 0};
    const Assessment t = cap.assess(cap.minimize(top, o), o);
    CHECK(t.verdict == Verdict::Maximum);
    CHECK(t.point->kind == PointKind::Maximum);

    // A linear function: the slope never shrinks.
    const Objective line = objective(ctx, "x + y", vars);
    CHECK(line.assess(line.minimize(ridge, o), o).verdict == Verdict::Unbounded);
    // Without a curvature the rules are those of tutorial 002.
    CHECK(assess(r, 1e-3 * r.grad_norm_start).verdict == Verdict::Converged);
}

TEST_CASE("curvature: a Loss over a vector is probed by differences of its gradient", "[optimize][curvature]") {
    Context ctx;
    const Parsed p = parse(ctx, "sum(i = 1..n, x[i]^2) - y^2");
    const Expr x = ctx.symbol("x"), y = ctx.symbol("y");
    const std::vector<Expr> scalars{y};
    for (std::size_t len : {std::size_t{3}, std::size_t{100}}) {
        const std::vector<VectorParameter> vectors{{x, len}};
        const Loss loss(p.expr, LossInputs{.scalars = scalars, .vectors = vectors});
        std::vector<double> at(len + 1, 0.0);
        const Curvature c = loss.curvature(at);
        INFO("n = " << len);
        CHECK(c.kind == PointKind::Saddle);
        CHECK(c.eigenvalues.front() == Approx(-2).epsilon(1e-6));
        CHECK(c.eigenvalues.back() == Approx(2).epsilon(1e-6));
        at[1] = 0.5;
        Options o;
        o.method = Method::LBFGS;
        o.grad_tol = 1e-9;
        const Report r = loss.minimize(at, o);
        CHECK(loss.assess(r, o).verdict == Verdict::Saddle);
    }
}

TEST_CASE("curvature: a point described as hessian --at prints it", "[optimize][curvature]") {
    const Curvature saddle = classify_curvature({-2, 2});
    CHECK(describe_point(saddle, 0) == "saddle (grad f = 0, eigenvalues of both signs)");
    CHECK(describe_point(saddle, 2) == "not a critical point: |grad f| = 2; the Hessian is indefinite there");
    CHECK(describe_point(classify_curvature({2, 6}), 0) == "minimum (grad f = 0, every eigenvalue positive)");
    CHECK(describe_point(classify_curvature({0, 6}), 0) ==
          "degenerate (grad f = 0, an eigenvalue is 0: the second-derivative test cannot tell)");
}
