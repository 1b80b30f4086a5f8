// The C++ side of bench/python/bench_python.py: the same work called from C++, so that the
// Python module's overhead is measured in the same run. Prints one line per task:
// `name milliseconds` (best of 7 wall times).
#include <chrono>
#include <cstdio>
#include <random>
#include <span>
#include <vector>

#include "symdiff/batch.hpp"
#include "symdiff/optimize.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

template <class F>
double best_ms(F&& run) {
    run();
    double best = 1e300;
    for (int r = 0; r < 7; ++r) {
        auto t = std::chrono::steady_clock::now();
        run();
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    }
    return best;
}

int main() {
    Context ctx;
    const std::size_t n = 1000000;
    std::mt19937_64 gen(0);
    std::uniform_real_distribution<double> u(-2, 2);
    std::vector<double> x(n), y(n);
    for (double& v : x) v = u(gen);
    for (double& v : y) v = u(gen);

    Expr f = parse_expr(ctx, "(1-x)^2+100*(y-x^2)^2");
    std::vector<Expr> vars{ctx.symbol("x"), ctx.symbol("y")};
    BatchOptions o;
    o.backend = BatchBackend::Jit;
    BatchKernel k = batch_value_and_gradient(f, vars, o);
    const double* in[2] = {x.data(), y.data()};
    std::vector<double> a(n), b(n), c(n);
    double* reused[3] = {a.data(), b.data(), c.data()};
    std::printf("rosenbrock %.3f\n",
                best_ms([&] { k.run(n, std::span<const double* const>(in, 2), std::span<double* const>(reused, 3)); }));

    Parsed mse = parse(ctx, "mean((m*x + b - y)^2)", ParseOptions{{"x", "y"}});
    std::vector<Expr> params{ctx.symbol("m"), ctx.symbol("b")};
    std::vector<ColumnView> columns{{"x", x}, {"y", y}};
    LossOptions lo;
    lo.threads = 1;
    Loss loss(mse.expr, LossInputs{.scalars = params, .columns = columns}, lo);
    double point[2] = {2.0, 0.5}, out[3];
    std::printf("mse_loss_1_thread %.3f\n", best_ms([&] { loss(point, out); }));
}
