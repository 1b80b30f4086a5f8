// The JIT: compiled kernels compute what the semantics say, own their code, and fail cleanly.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "../../lib/eval/semantics.hpp" // the semantics the kernels must reproduce
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"

using namespace symdiff;

namespace {

bool same_bits(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

double run1(const CompiledFunction& f, double x) {
    double out = 0;
    f(&x, &out);
    return out;
}

// Resident set size in kB, from /proc/self/status (VmRSS; VmHWM is the peak).
long status_kb(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
    return -1;
}

struct Rosenbrock {
    Context ctx;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y");
    // (1 - x)^2 + 100*(y - x^2)^2
    Expr f = pow(ctx.integer(1) - x, ctx.integer(2)) + ctx.integer(100) * pow(y - pow(x, ctx.integer(2)), ctx.integer(2));
};

} // namespace

TEST_CASE("jit: Rosenbrock value and gradient in one kernel", "[jit]") {
    Rosenbrock r;
    const Expr vars[] = {r.x, r.y};
    CompiledFunction k = compile_gradient(r.f, vars);
    REQUIRE(k.inputs() == 2);
    REQUIRE(k.outputs() == 3);
    for (auto [x, y] : {std::pair{-1.2, 1.0}, {1.0, 1.0}, {0.5, -3.25}}) {
        const double in[] = {x, y};
        double out[3];
        k(in, out);
        CHECK(out[0] == Approx((1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)));
        CHECK(out[1] == Approx(-2 * (1 - x) - 400 * x * (y - x * x)));
        CHECK(out[2] == Approx(200 * (y - x * x)));
    }
    const double at_min[] = {1.0, 1.0};
    double out[3];
    k(at_min, out);
    CHECK(out[0] == 0.0);
    CHECK(out[1] == 0.0);
    CHECK(out[2] == 0.0);
}

TEST_CASE("jit: Hessian kernel is row-major and symmetric", "[jit]") {
    Rosenbrock r;
    const Expr vars[] = {r.x, r.y};
    CompiledFunction h = compile_hessian(r.f, vars);
    REQUIRE(h.outputs() == 4);
    const double in[] = {-1.2, 1.0};
    double out[4];
    h(in, out);
    // d2f/dx2 = 2 - 400(y - 3x^2), d2f/dxdy = -400x, d2f/dy2 = 200
    CHECK(out[0] == Approx(2 - 400 * (1.0 - 3 * 1.44)));
    CHECK(out[1] == Approx(480.0));
    CHECK(out[2] == out[1]);
    CHECK(out[3] == 200.0);
}

TEST_CASE("jit: integer powers follow the interpreter's square-and-multiply", "[jit]") {
    Context ctx;
    Expr x = ctx.symbol("x");
    const Expr in[] = {x};
    for (int k : {2, 3, 5, 6, 7, 13, 31, 64, -1, -2, -7, -64}) {
        CompiledFunction f = compile(std::vector<Expr>{pow(x, ctx.integer(k))}, in);
        for (double v : {1.0000001, -1.3, 0.7, 3.0, 1e-3}) {
            INFO("x = " << v << ", k = " << k);
            CHECK(same_bits(run1(f, v), detail::signed_int_power(v, k)));
        }
    }
    CompiledFunction root = compile(std::vector<Expr>{ctx.sqrt(x), pow(x, ctx.rational(-1, 2)), pow(x, ctx.integer(65))}, in);
    double out[3];
    const double v = 2.5;
    root(&v, out);
    CHECK(same_bits(out[0], std::sqrt(2.5)));
    CHECK(same_bits(out[1], 1.0 / std::sqrt(2.5)));
    CHECK(same_bits(out[2], std::pow(2.5, 65.0)));
}

TEST_CASE("jit: every function matches lib/eval/semantics.hpp bit for bit", "[jit]") {
    Context ctx;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y");
    const Expr in[] = {x, y};
    const Op unary[] = {Op::Exp, Op::Log, Op::Sin, Op::Cos, Op::Tan, Op::Asin, Op::Acos, Op::Atan,
                        Op::Sinh, Op::Cosh, Op::Tanh, Op::Asinh, Op::Acosh, Op::Atanh, Op::Abs,
                        Op::Sign, Op::Heaviside, Op::Cbrt, Op::Erf, Op::Sigmoid, Op::Relu, Op::Softplus};
    const Op binary[] = {Op::Atan2, Op::Max, Op::Min};
    std::vector<Expr> outs;
    for (Op op : unary) outs.push_back(ctx.call(op, {x}));
    for (Op op : binary) outs.push_back(ctx.call(op, {x, y}));
    outs.push_back(pow(x, y));
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const double points[] = {0.0, -0.0, 0.3, -0.3, 1.0, 2.5, -40.0, 710.0, -745.5, inf, -inf, nan, 1e-310};
    for (int level = 0; level <= 3; ++level) {
        CompiledFunction f = compile(outs, in, JitOptions{.opt_level = level});
        std::vector<double> out(outs.size());
        for (double a : points) {
            for (double b : {0.0, -0.0, 0.5, -2.0, nan}) {
                const double args[] = {a, b};
                f(args, out.data());
                std::size_t i = 0;
                for (Op op : unary) {
                    INFO("O" << level << " " << op_name(op) << "(" << a << ")");
                    CHECK(same_bits(out[i++], detail::apply_function(op, a, 0)));
                }
                for (Op op : binary) {
                    INFO("O" << level << " " << op_name(op) << "(" << a << ", " << b << ")");
                    CHECK(same_bits(out[i++], detail::apply_function(op, a, b)));
                }
                INFO("O" << level << " pow(" << a << ", " << b << ")");
                CHECK(same_bits(out[i], std::pow(a, b)));
            }
        }
    }
}

TEST_CASE("jit: max and min keep the second of two equal zeros", "[jit]") {
    Context ctx;
    Expr a = ctx.symbol("a"), b = ctx.symbol("b");
    const Expr in[] = {a, b};
    CompiledFunction f = compile(std::vector<Expr>{ctx.call(Op::Max, {a, b}), ctx.call(Op::Min, {a, b})}, in);
    const double args[] = {-0.0, 0.0};
    double out[2];
    f(args, out);
    CHECK_FALSE(std::signbit(out[0]));
    CHECK_FALSE(std::signbit(out[1]));
}

TEST_CASE("jit: sums and products are evaluated left to right in stored order", "[jit]") {
    Context ctx;
    Expr a = ctx.symbol("a"), b = ctx.symbol("b"), c = ctx.symbol("c");
    const Expr in[] = {a, b, c};
    Expr s = a + b + c;
    Expr p = a * b * c;
    CompiledFunction f = compile(std::vector<Expr>{s, p}, in);
    const double args[] = {1e16, -1e16, 1.0};
    auto value_of = [&](Expr e) { return e == a ? args[0] : e == b ? args[1] : args[2]; };
    double sum = value_of(s[0]);
    for (std::size_t i = 1; i < s.size(); ++i) sum = sum + value_of(s[i]);
    double prod = value_of(p[0]);
    for (std::size_t i = 1; i < p.size(); ++i) prod = prod * value_of(p[i]);
    double out[2];
    f(args, out);
    CHECK(same_bits(out[0], sum));
    CHECK(same_bits(out[1], prod));
}

TEST_CASE("jit: batch form equals the point form row by row", "[jit]") {
    Rosenbrock r;
    const Expr vars[] = {r.x, r.y};
    for (int level : {0, 2, 3}) {
        CompiledFunction k = compile_gradient(r.f, vars, JitOptions{.opt_level = level});
        CHECK((k.batch_function() != nullptr) == (level == 3)); // the native loop exists at -O3
        const std::size_t rows = 37;
        std::vector<double> in(rows * 2), out(rows * 3, -1.0);
        for (std::size_t i = 0; i < in.size(); ++i) in[i] = std::sin(double(i)) * 2;
        k(in.data(), rows, out.data());
        for (std::size_t row = 0; row < rows; ++row) {
            double one[3];
            k(in.data() + 2 * row, one);
            for (int j = 0; j < 3; ++j) CHECK(same_bits(out[3 * row + j], one[j]));
        }
        k(in.data(), 0, out.data()); // zero rows writes nothing and does not crash
    }
}

TEST_CASE("jit: list outputs are spliced and constants are stored", "[jit]") {
    Context ctx;
    Expr x = ctx.symbol("x");
    const Expr in[] = {x};
    std::vector<Expr> outs{ctx.list({x * ctx.integer(2), ctx.integer(7)}), ctx.pi()};
    CompiledFunction f = compile(outs, in);
    REQUIRE(f.outputs() == 3);
    double out[3];
    const double v = 4;
    f(&v, out);
    CHECK(out[0] == 8);
    CHECK(out[1] == 7);
    CHECK(out[2] == detail::kPi);
}

TEST_CASE("jit: bad requests are symdiff::Error with a clear message", "[jit]") {
    Context ctx;
    Expr x = ctx.symbol("x"), z = ctx.symbol("z");
    const Expr in[] = {x};
    const Expr twice[] = {x, x};
    const Expr not_var[] = {x + z};
    std::vector<Expr> uses_z{x + z};
    CHECK_THROWS_WITH(compile(uses_z, in), "unknown variable 'z'");
    CHECK_THROWS_WITH(compile(std::vector<Expr>{x}, twice), "compile: variable 'x' is listed twice as an input");
    CHECK_THROWS_WITH(compile(std::vector<Expr>{x}, not_var), "compile: input 1 is not a variable");
    CHECK_THROWS_WITH(compile(std::vector<Expr>{x}, in, JitOptions{.opt_level = 4}),
                      "optimisation level must be 0..3, got 4");
    CHECK_THROWS_WITH(compile(std::vector<Expr>{ctx.call(Op::Exp, {ctx.list({x})})}, in),
                      "compile: a list can only be an output, not part of an expression");
}

TEST_CASE("jit: a compiled function is movable and callable from many threads", "[jit]") {
    Rosenbrock r;
    const Expr vars[] = {r.x, r.y};
    CompiledFunction a = compile_gradient(r.f, vars);
    CompiledFunction b = std::move(a);
    CHECK_FALSE(a);
    REQUIRE(b);
    CompiledFunction c;
    c = std::move(b);
    REQUIRE(c);
    const double in[] = {-1.2, 1.0};
    double expect[3];
    c(in, expect);
    std::vector<std::thread> threads;
    std::vector<int> bad(8, 0);
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            double out[3];
            for (int i = 0; i < 20000; ++i) {
                c(in, out);
                if (!same_bits(out[0], expect[0]) || !same_bits(out[1], expect[1])) ++bad[t];
            }
        });
    for (auto& th : threads) th.join();
    for (int t = 0; t < 8; ++t) CHECK(bad[t] == 0);
}

TEST_CASE("jit: kernels compiled concurrently from several threads all work", "[jit]") {
    Context ctx;
    Expr x = ctx.symbol("x");
    const Expr in[] = {x};
    std::vector<Expr> outs;
    for (int i = 0; i < 4; ++i) outs.push_back(ctx.call(Op::Sin, {x * ctx.integer(i + 1)}));
    std::vector<double> got(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int rep = 0; rep < 10; ++rep) {
                CompiledFunction f = compile(std::span<const Expr>(&outs[t], 1), in);
                got[t] = run1(f, 0.25);
            }
        });
    for (auto& th : threads) th.join();
    for (int t = 0; t < 4; ++t) CHECK(same_bits(got[t], std::sin(0.25 * (t + 1))));
}

TEST_CASE("jit: fast-math is opt-in and stays close", "[jit]") {
    Context ctx;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y");
    const Expr in[] = {x, y};
    std::vector<Expr> outs{ctx.call(Op::Exp, {x}) * y + x * y + pow(x, ctx.rational(3, 2))};
    CompiledFunction exact = compile(outs, in);
    CompiledFunction fast = compile(outs, in, JitOptions{.opt_level = 3, .fast_math = true});
    const double args[] = {1.7, -0.3};
    double a, b;
    exact(args, &a);
    fast(args, &b);
    CHECK(b == Approx(a).epsilon(1e-12));
}

// The closeness above holds without the flags too; this fails if fast_math sets none. x*x - y*y
// at x = y is exactly 0 in exact code; `fast` includes `contract`, so on a CPU with FMA one
// product is fused and the result is the other's rounding error, not 0.
TEST_CASE("jit: fast_math sets LLVM's fast flags: x*x - y*y is fused, not 0", "[jit]") {
    Context ctx;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y");
    const Expr in[] = {x, y};
    std::vector<Expr> outs{x * x - y * y};
    const JitOptions fast_options{.opt_level = 3, .fast_math = true};
    CompiledFunction exact = compile(outs, in);
    CompiledFunction fast = compile(outs, in, fast_options);
    const double args[] = {0.1, 0.1};
    double a = -1, b = -1;
    exact(args, &a);
    fast(args, &b);
    CHECK(a == 0.0);
    if (__builtin_cpu_supports("fma")) {
        CHECK(b != 0.0);
        CHECK(std::fabs(b) < 1e-17);
    }
    std::vector<KernelSpec> ks{{"k", outs}};
    CHECK(emit_llvm_ir(ks, in, fast_options).find("fmul fast double") != std::string::npos);
    CHECK(emit_llvm_ir(ks, in, JitOptions{.opt_level = 3}).find("fast") == std::string::npos);
}

TEST_CASE("jit: emitted IR and assembly name the kernels and their attributes", "[jit]") {
    Rosenbrock r;
    const Expr vars[] = {r.x, r.y};
    std::vector<KernelSpec> ks{{"f", {r.f}}, {"f_grad", value_and_gradient(r.f, vars)}};
    std::string ir = emit_llvm_ir(ks, vars);
    CHECK(ir.find("define void @f(ptr noalias nocapture readonly") != std::string::npos);
    CHECK(ir.find("define void @f_grad(") != std::string::npos);
    CHECK(ir.find("define void @f_grad_batch(") == std::string::npos);
    CHECK(ir.find("fast") == std::string::npos);
    std::string ir3 = emit_llvm_ir(ks, vars, JitOptions{.opt_level = 3});
    CHECK(ir3.find("define void @f_grad_batch(ptr noalias nocapture readonly") != std::string::npos);
    std::string as = emit_asm(ks, vars);
    CHECK(as.find("f_grad:") != std::string::npos);
    CHECK(as.find("mulsd") != std::string::npos);
}

TEST_CASE("jit: libm calls are neither folded nor rewritten without fast-math", "[jit]") {
    Context ctx;
    Expr x = ctx.symbol("x");
    const Expr in[] = {x};
    // pow(2, x) is exp2(x) to LLVM's library-call simplifier, and sin(2) a constant to fold.
    std::vector<KernelSpec> ks{{"k", {pow(ctx.integer(2), x), ctx.call(Op::Sin, {ctx.integer(2)})}}};
    std::string ir = emit_llvm_ir(ks, in, JitOptions{.opt_level = 3});
    CHECK(ir.find("@pow(") != std::string::npos);
    CHECK(ir.find("@sin(") != std::string::npos);
    CHECK(ir.find("exp2") == std::string::npos);
}

// Hidden (about a minute under load); run with `unit_test_jit [memory]`. bench_jit prints the same.
TEST_CASE("jit: compiling and destroying 10,000 kernels keeps memory bounded", "[.][jit][memory]") {
    Context ctx;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y");
    const Expr vars[] = {x, y};
    // Distinct kernels, so nothing could be cached: the constant differs each time.
    long rss_1000 = 0, rss_10000 = 0;
    for (int i = 1; i <= 10000; ++i) {
        Expr f = pow(ctx.integer(i) - x, ctx.integer(2)) + ctx.integer(100) * pow(y - pow(x, ctx.integer(2)), ctx.integer(2));
        CompiledFunction k = compile(std::vector<Expr>{f}, vars, JitOptions{.opt_level = 1});
        const double in[] = {double(i), 0.0};
        double out = -1;
        k(in, &out);
        const double sq = double(i) * double(i);
        REQUIRE(out == 100.0 * (sq * sq));
        if (i == 1000) rss_1000 = status_kb("VmRSS:");
        if (i == 10000) rss_10000 = status_kb("VmRSS:");
    }
    std::printf("jit memory: RSS after 1,000 kernels %ld kB, after 10,000 %ld kB (peak %ld kB)\n", rss_1000, rss_10000,
                status_kb("VmHWM:"));
    // Ten times the kernels may not cost anywhere near ten times the memory: allow the growth of
    // the expression Context (which keeps every node made) and allocator noise.
    CHECK(rss_10000 - rss_1000 < 16 * 1024);
}

TEST_CASE("jit: long kernels split into parts compute exactly what the Interpreter does", "[jit]") {
    // Extended Rosenbrock over 400 variables plus nan-aware max/relu terms: about ten thousand
    // instructions, so the kernel is split into parts whose values (booleans included) cross
    // part boundaries through the scratch array.
    Context ctx;
    std::vector<Expr> x;
    for (int i = 0; i < 400; ++i) x.push_back(ctx.symbol("x" + std::to_string(i)));
    std::vector<Expr> terms;
    for (int i = 0; i + 1 < 400; ++i) {
        Expr b = x[i + 1] - pow(x[i], ctx.integer(2));
        terms.push_back(ctx.integer(100) * pow(b, ctx.integer(2)) + pow(ctx.integer(1) - x[i], ctx.integer(2)));
        terms.push_back(ctx.call(Op::Max, {x[i], ctx.call(Op::Relu, {b})}) * ctx.call(Op::Sign, {x[i + 1]}));
    }
    Expr f = ctx.add(terms);
    std::vector<Expr> outs = value_and_gradient(f, x);
    Interpreter interp(outs, x);
    std::vector<double> in(400), want(outs.size()), got(outs.size());
    for (int i = 0; i < 400; ++i) in[i] = i % 7 == 3 ? std::numeric_limits<double>::quiet_NaN() : std::sin(i * 1.3);
    interp.run(in.data(), want.data());
    for (int level : {0, 2}) {
        CompiledFunction k = compile(outs, x, JitOptions{.opt_level = level});
        k(in.data(), got.data());
        std::size_t bad = 0;
        for (std::size_t o = 0; o < outs.size(); ++o) bad += !same_bits(got[o], want[o]);
        INFO("O" << level);
        CHECK(bad == 0);
    }
    std::string ir = emit_llvm_ir(std::vector<KernelSpec>{{"k", outs}}, x);
    CHECK(ir.find("@k.part1(") != std::string::npos);
}
