// Times one GD run three ways in one process (thread CPU time, best of N): the library's C++
// loop over the JIT kernel, the LLVM-generated loop (make_loop.py), and the hand-written loop.
#include <cstdio>
#include <ctime>
#include <vector>
#include <string>
#include <limits>
#include "symdiff/optimize.hpp"
#include "symdiff/jit.hpp"
#include "optimize_baseline.hpp"
extern "C" std::uint64_t loop2d(double*, double, std::uint64_t, double);
extern "C" std::uint64_t loopext(double*, double, std::uint64_t, double);
using namespace symdiff;
static double now() { timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
template <class F> double best(F f, int reps) { double b = 1e9; for (int i = 0; i < reps; ++i) { double t = now(); f(); b = std::min(b, now() - t); } return b; }
int main() {
    Context ctx;
    const Expr x = ctx.symbol("x"), y = ctx.symbol("y");
    std::vector<Expr> xy{x, y};
    const Expr two = ctx.integer(2);
    Objective ros(pow(ctx.integer(1) - x, two) + ctx.integer(100) * pow(y - pow(x, two), two), xy);
    const std::size_t S = 1000000; double sink = 0;
    Options o; o.lr = 0.001; o.max_steps = S;
    std::vector<double> s2{-1, 1};
    double a = best([&] { auto r = ros.minimize(s2, o); sink += r.x[0]; }, 15);
    double b = best([&] { double p[2] = {-1, 1}; loop2d(p, 0.001, S, 1e300); sink += p[0]; }, 15);
    double c = best([&] { double p[2] = {-1, 1}; baseline::gd_rosenbrock(p, 0.001, S); sink += p[0]; }, 15);
    { auto r = ros.minimize(s2, o); double p[2] = {-1, 1}; loop2d(p, 0.001, S, 1e300); printf("same doubles: %d %d\n", r.x[0] == p[0], r.x[1] == p[1]); }
    printf("2d ns/step: C++ loop over JIT %.2f | LLVM loop %.2f | hand-written %.2f\n", a / S * 1e9, b / S * 1e9, c / S * 1e9);
    std::vector<Expr> xs; for (int i = 0; i < 1000; ++i) xs.push_back(ctx.symbol("x" + std::to_string(i + 1)));
    std::vector<Expr> t;
    for (int i = 0; i + 1 < 1000; ++i) { t.push_back(ctx.integer(100) * pow(xs[i + 1] - pow(xs[i], two), two)); t.push_back(pow(ctx.integer(1) - xs[i], two)); }
    Objective ext(ctx.add(t), xs);
    const std::size_t K = 2000; Options oe; oe.lr = 0.0005; oe.max_steps = K;
    std::vector<double> se(1000, 0.0);
    double d = best([&] { auto r = ext.minimize(se, oe); sink += r.x[0]; }, 5);
    double e = best([&] { std::vector<double> p(1000, 0.0); loopext(p.data(), 0.0005, K, 1e300); sink += p[0]; }, 5);
    double f = best([&] { std::vector<double> p(1000, 0.0); baseline::gd_ext_rosenbrock(p.data(), 1000, 0.0005, K); sink += p[0]; }, 5);
    printf("ext ns/step: C++ loop over JIT %.0f | LLVM loop %.0f | hand-written %.0f\n", d / K * 1e9, e / K * 1e9, f / K * 1e9);
    printf("%g\n", sink);
}
