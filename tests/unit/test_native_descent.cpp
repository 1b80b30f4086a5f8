// The descent loop generated into LLVM with its kernel inlined (lib/jit/descent.hpp) against
// the C++ loop over the separately compiled kernel: the same report to the last bit, for
// every first-order rule, with and without the tolerance checks, for diverging runs, and
// the Rosenbrock milestone of issue 7; an Objective built from a gradient already computed.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "symdiff/diff.hpp"
#include "symdiff/optimize.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

namespace {

struct Problem {
    Context ctx;
    Expr f;
    std::vector<Expr> vars;

    Problem(std::string_view text, std::vector<std::string> names) {
        ParseOptions po;
        for (const auto& n : names) {
            po.variables.push_back(n);
            vars.push_back(ctx.symbol(n));
        }
        f = parse(ctx, text, po).expr;
    }
};

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Runs o once through the generated loop and once through the C++ loop and requires the
// same report; returns the native one.
Report both(const Objective& obj, const std::vector<double>& start, Options o) {
    o.native_loop_min_steps = 0;
    const Report native = obj.minimize(start, o);
    o.native_loop_min_steps = std::numeric_limits<std::size_t>::max();
    const Report library = obj.minimize(start, o);
    REQUIRE(native.steps == library.steps);
    REQUIRE(native.evaluations == library.evaluations);
    CHECK(native.reason == library.reason);
    CHECK(native.message == library.message);
    CHECK(same_bits(native.f, library.f));
    CHECK(same_bits(native.f_start, library.f_start));
    CHECK(same_bits(native.grad_norm, library.grad_norm));
    CHECK(same_bits(native.grad_norm_start, library.grad_norm_start));
    REQUIRE(native.x.size() == library.x.size());
    for (std::size_t i = 0; i < native.x.size(); ++i) {
        INFO("x[" << i << "] " << native.x[i] << " vs " << library.x[i]);
        CHECK(same_bits(native.x[i], library.x[i]));
    }
    return native;
}

struct Setting {
    Method method;
    MomentumForm form;
    double lr;
};

const Setting kSettings[] = {
    {Method::GradientDescent, MomentumForm::Accumulate, 0.001}, {Method::Momentum, MomentumForm::Accumulate, 0.0005},
    {Method::Momentum, MomentumForm::Velocity, 0.0005},         {Method::Nesterov, MomentumForm::Accumulate, 0.0005},
    {Method::Adam, MomentumForm::Accumulate, 0.01},             {Method::RMSProp, MomentumForm::Accumulate, 0.001},
};

} // namespace

TEST_CASE("native descent: the Rosenbrock milestone is the C++ loop's, double for double", "[optimize][native]") {
    Problem p("(1-x)^2+100*(y-x^2)^2", {"x", "y"});
    const Objective obj(p.f, p.vars);
    Options o;
    o.lr = 0.001;
    o.max_steps = 10000;
    const Report r = both(obj, {-1, 1}, o);
    CHECK(r.reason == StopReason::MaxSteps);
    CHECK(r.x[0] == Approx(0.9924817315).epsilon(1e-10));
    CHECK(r.x[1] == Approx(0.9849897660).epsilon(1e-10));
}

TEST_CASE("native descent: every rule, unchecked and checked, on functions of 1 to 32 variables",
          "[optimize][native]") {
    struct Case {
        std::string text;
        std::vector<std::string> vars;
        std::vector<double> start;
    };
    std::vector<Case> cases = {
        {"(1-x)^2+100*(y-x^2)^2", {"x", "y"}, {-1.2, 1}},
        {"x^4 - 3*x^2 + x + exp(-x^2)", {"x"}, {2}},
        {"ln(1 + exp(a*2 - b)) + (a - 1)^2*b^2/4 + sin(c)^2 + c^2/10", {"a", "b", "c"}, {0.5, -1, 2}},
    };
    // A 32-variable sum of squares with couplings: the largest problem the loop takes.
    {
        std::string text;
        Case c;
        for (int i = 1; i <= 32; ++i) {
            const std::string v = "v" + std::to_string(i);
            c.vars.push_back(v);
            c.start.push_back(0.1 * i - 1.5);
            if (i > 1) text += " + ";
            text += "(" + v + " - " + std::to_string(i % 5) + ")^2";
            if (i % 4 == 0) text += " + (" + v + "*v" + std::to_string(i - 1) + ")^2/8";
        }
        c.text = text;
        cases.push_back(c);
    }
    for (const Case& c : cases) {
        Problem p(c.text, c.vars);
        const Objective obj(p.f, p.vars);
        for (const Setting& s : kSettings) {
            for (bool checked : {false, true}) {
                INFO(c.text << " method " << method_name(s.method) << " form " << momentum_form_name(s.form)
                            << (checked ? " checked" : ""));
                Options o;
                o.method = s.method;
                o.momentum_form = s.form;
                o.lr = s.lr;
                o.max_steps = 3000;
                if (checked) {
                    o.grad_tol = 1e-6;
                    o.f_tol = 1e-13;
                }
                both(obj, c.start, o);
            }
        }
    }
}

TEST_CASE("native descent: each stopping rule names the same step", "[optimize][native]") {
    Problem p("(1-x)^2+100*(y-x^2)^2", {"x", "y"});
    const Objective obj(p.f, p.vars);
    Options o;
    SECTION("divergence at a large rate") {
        o.lr = 0.01;
        const Report r = both(obj, {-1, 1}, o);
        CHECK(r.reason == StopReason::Diverged);
        CHECK(r.steps < 100);
    }
    SECTION("divergence to a non-finite value with an infinite factor") {
        o.lr = 0.05;
        o.diverge_factor = std::numeric_limits<double>::infinity();
        const Report r = both(obj, {-1, 1}, o);
        CHECK(r.reason == StopReason::Diverged);
    }
    SECTION("gradient tolerance") {
        o.method = Method::Adam;
        o.lr = 0.02;
        o.max_steps = 100000;
        o.grad_tol = 1e-4;
        const Report r = both(obj, {-1, 1}, o);
        CHECK(r.reason == StopReason::GradientTolerance);
    }
    SECTION("function tolerance") {
        o.lr = 0.001;
        o.f_tol = 1e-6;
        const Report r = both(obj, {-1, 1}, o);
        CHECK(r.reason == StopReason::FunctionTolerance);
    }
    SECTION("zero steps") {
        o.max_steps = 0;
        const Report r = both(obj, {-1, 1}, o);
        CHECK(r.steps == 0);
        CHECK(r.reason == StopReason::MaxSteps);
    }
}

TEST_CASE("native descent: chosen only where it applies", "[optimize][native]") {
    Problem p("(1-x)^2+100*(y-x^2)^2", {"x", "y"});
    const Objective obj(p.f, p.vars);
    Options o;
    o.native_loop_min_steps = 0;
    o.max_steps = 500;
    const std::vector<double> start{-1, 1};
    // A schedule, a trace or a callback keep the C++ loop; the results are what that loop gives.
    o.schedule = *Schedule::parse("exp:0.999");
    const Report scheduled = obj.minimize(start, o);
    o.schedule = {};
    o.trace_every = 100;
    const Report traced = obj.minimize(start, o);
    CHECK(traced.trace.size() == 6);
    std::size_t calls = 0;
    o.trace_every = 0;
    const Report called = obj.minimize(start, o, [&](const StepInfo&) { return ++calls < 10; });
    CHECK(called.reason == StopReason::Callback);
    CHECK(calls == 10);
    CHECK(scheduled.steps == 500);
}

TEST_CASE("native descent: Options::stop ends the run where it is, in both loops and every method",
          "[optimize][native][interrupt]") {
    Problem p("(1 - x)^2 + 100*(y - x^2)^2", {"x", "y"});
    const Objective obj(p.f, p.vars);
    const std::vector<double> start{-1, 1};
    volatile std::sig_atomic_t flag = 1;
    Options o;
    o.lr = 1e-4;
    o.max_steps = 100000;
    o.stop = &flag;

    SECTION("set before the run: interrupted at step 0, with the start's values, in both loops") {
        const Report r = both(obj, start, o);
        CHECK(r.reason == StopReason::Interrupted);
        CHECK(r.steps == 0);
        CHECK(r.message == "interrupted at step 0");
        CHECK(stop_reason_name(r.reason) == "interrupted");
        CHECK(r.x == start);
        CHECK(r.f == r.f_start);
    }
    SECTION("L-BFGS and Newton look at it at every iterate") {
        for (const Method m : {Method::LBFGS, Method::Newton}) {
            o.method = m;
            const Report r = obj.minimize(start, o);
            CHECK(r.reason == StopReason::Interrupted);
            CHECK(r.steps == 0);
        }
    }
    SECTION("set while the generated loop runs: it stops at a multiple of 1024 steps, with that step's point") {
        flag = 0;
        o.max_steps = std::numeric_limits<std::size_t>::max();
        o.native_loop_min_steps = 0;
        // The run would take centuries: only the flag ends it. The report must be a run of
        // that many steps, so rerunning the C++ loop for exactly that many gives it again.
        // A short run first compiles the loop (kept by the Objective), so that the stopper
        // races the running loop, not the compilation, which takes longer than 50 ms on a
        // loaded machine.
        Options warm = o;
        warm.stop = nullptr;
        warm.max_steps = 1024;
        CHECK(obj.minimize(start, warm).steps == 1024);
        std::thread stopper([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            flag = 1;
        });
        const Report r = obj.minimize(start, o);
        stopper.join();
        CHECK(r.reason == StopReason::Interrupted);
        REQUIRE(r.steps > 0);
        CHECK(r.steps % 1024 == 0);
        Options again = o;
        again.stop = nullptr;
        again.max_steps = r.steps;
        again.native_loop_min_steps = std::numeric_limits<std::size_t>::max();
        const Report same = obj.minimize(start, again);
        CHECK(same.reason == StopReason::MaxSteps);
        CHECK(same_bits(same.x[0], r.x[0]));
        CHECK(same_bits(same.x[1], r.x[1]));
        CHECK(same_bits(same.f, r.f));
    }
}

TEST_CASE("objective: built from a gradient already computed, it runs that gradient", "[optimize][native]") {
    Problem p("(1 - x)^2 + 100*(y - x^2)^2", {"x", "y"});
    const std::vector<Expr> g = gradient(p.f, p.vars);
    const std::vector<double> start{-1, 1};
    Options o;
    o.lr = 0.001;
    o.max_steps = 3000;
    for (const Method m : {Method::GradientDescent, Method::Adam}) {
        o.method = m;
        for (const Backend b : {Backend::Jit, Backend::Interpreter}) {
            INFO(method_name(m) << (b == Backend::Jit ? " jit" : " interpreter"));
            const Objective from_f(p.f, p.vars, b);
            const Objective from_gradient(p.f, g, p.vars, b);
            const Report a = from_f.minimize(start, o);
            const Report c = b == Backend::Jit ? both(from_gradient, start, o) : from_gradient.minimize(start, o);
            CHECK(a.steps == c.steps);
            for (std::size_t i = 0; i < 2; ++i) CHECK(same_bits(a.x[i], c.x[i]));
        }
    }
    // The gradient given is the one used, not f's: a "gradient" 2(x - 3) leads to x = 3 while
    // f = (x - 1)^2 is reported along the way.
    Problem q("(x - 1)^2", {"x"});
    const Expr other[] = {parse_expr(q.ctx, "2*(x - 3)")};
    const Objective wrong(q.f, other, q.vars);
    o.method = Method::GradientDescent;
    o.lr = 0.1;
    o.max_steps = 200;
    const Report r = both(wrong, std::vector<double>{0}, o);
    CHECK(r.x[0] == Approx(3).epsilon(1e-12));
    CHECK(r.f == Approx(4).epsilon(1e-12));
    CHECK_THROWS_WITH(Objective(q.f, std::span<const Expr>(), q.vars),
                      "the gradient has 0 entries but there are 1 variables");
}

TEST_CASE("objective: value() is f alone, the f of the f+gradient kernel", "[optimize]") {
    Problem p("(1 - x)^2 + 100*(y - x^2)^2 + exp(x*y)/7", {"x", "y"});
    for (const Backend b : {Backend::Jit, Backend::Interpreter}) {
        const Objective obj(p.f, p.vars, b);
        for (const double x : {-1.5, 0.25, 2.0}) {
            const double at[2] = {x, 1 - x};
            double out[3];
            obj(at, out);
            CHECK(same_bits(obj.value(at), out[0]));
        }
    }
}
