// LoopInterpreter (and, where compiled, LoopKernel) against plain C++ loops written here:
// data losses over columns, extended Rosenbrock and its gather-form gradient, every error
// message of docs/reductions.md, empty ranges and one-element vectors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/jit.hpp"

using namespace symdiff;

namespace {

// The inputs of one call, owned: scalars by position, vectors by position.
struct Inputs {
    std::vector<double> scalars;
    std::vector<std::vector<double>> vectors;
    std::vector<double> out;
    std::vector<std::vector<double>> vector_out;

    std::vector<const double*> bases;
    std::vector<std::int64_t> lengths;
    std::vector<double*> out_bases;

    LoopArgs args(std::size_t scalar_outputs, const std::vector<std::size_t>& vector_lengths) {
        bases.clear();
        lengths.clear();
        for (auto& v : vectors) {
            bases.push_back(v.data());
            lengths.push_back(static_cast<std::int64_t>(v.size()));
        }
        out.assign(scalar_outputs, -12345.0);
        vector_out.clear();
        for (std::size_t n : vector_lengths) vector_out.emplace_back(n, -12345.0);
        out_bases.clear();
        for (auto& v : vector_out) out_bases.push_back(v.data());
        LoopArgs a;
        a.scalars = scalars.data();
        a.vectors = bases.data();
        a.lengths = lengths.data();
        a.out = out.data();
        a.vector_out = out_bases.data();
        return a;
    }

    // Sizes the outputs with vector_lengths() and runs (a LoopInterpreter or a LoopKernel).
    template <class Evaluator>
    void run(const Evaluator& li) {
        LoopArgs probe = args(li.scalar_outputs(), {});
        std::vector<std::size_t> lens = li.vector_lengths(probe);
        LoopArgs a = args(li.scalar_outputs(), lens);
        if constexpr (std::is_same_v<Evaluator, LoopKernel>) li(a);
        else li.run(a);
    }
};

// Sum in the order of docs/reductions.md: four partial sums by (i - lo) mod 4.
double sum4(std::int64_t lo, std::int64_t hi, const std::function<double(std::int64_t)>& term) {
    double s[4] = {0, 0, 0, 0};
    for (std::int64_t i = lo; i <= hi; ++i) s[(i - lo) & 3] += term(i);
    return (s[0] + s[1]) + (s[2] + s[3]);
}

bool same_bits(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::memcmp(&a, &b, sizeof a) == 0;
}

// The interpreter's and the kernel's outputs for the same inputs agree bit for bit.
void check_same(const LoopInterpreter& li, const LoopKernel& k, Inputs in) {
    Inputs jit = in;
    in.run(li);
    jit.run(k);
    REQUIRE(in.out.size() == jit.out.size());
    for (std::size_t i = 0; i < in.out.size(); ++i) {
        INFO("scalar output " << i << ": " << in.out[i] << " vs " << jit.out[i]);
        CHECK(same_bits(in.out[i], jit.out[i]));
    }
    REQUIRE(in.vector_out.size() == jit.vector_out.size());
    for (std::size_t v = 0; v < in.vector_out.size(); ++v) {
        REQUIRE(in.vector_out[v].size() == jit.vector_out[v].size());
        for (std::size_t i = 0; i < in.vector_out[v].size(); ++i) {
            INFO("vector output " << v << "[" << i << "]: " << in.vector_out[v][i] << " vs " << jit.vector_out[v][i]);
            CHECK(same_bits(in.vector_out[v][i], jit.vector_out[v][i]));
        }
    }
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

struct Rosenbrock {
    Context ctx;
    Expr x = ctx.symbol("x"), n = ctx.symbol("n"), i = ctx.symbol("i"), k = ctx.symbol("k");
    Expr one = ctx.integer(1);

    Expr xi(Expr idx, std::int64_t c) { return ctx.at(x, c == 0 ? idx : idx + ctx.integer(c)); }
    // 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2
    Expr body(Expr v) {
        Expr a = xi(v, 1) - pow(xi(v, 0), ctx.integer(2));
        Expr b = one - xi(v, 0);
        return ctx.integer(100) * pow(a, ctx.integer(2)) + pow(b, ctx.integer(2));
    }
    Expr f(Expr hi) { return ctx.sum(i, one, hi, body(i)); }
    // [(-400*x[k]*(x[k+1]-x[k]^2) - 2*(1-x[k]) if 1<=k<=hi) + (200*(x[k]-x[k-1]^2) if 2<=k<=hi+1) for k=1..hi+1]
    Expr grad(Expr hi, Expr len) {
        Expr first = ctx.integer(-400) * xi(k, 0) * (xi(k, 1) - pow(xi(k, 0), ctx.integer(2))) -
                     ctx.integer(2) * (one - xi(k, 0));
        Expr second = ctx.integer(200) * (xi(k, 0) - pow(xi(k, -1), ctx.integer(2)));
        Expr g = ctx.guard(k, one, hi, first) + ctx.guard(k, ctx.integer(2), hi + one, second);
        return ctx.vec(k, one, len, g);
    }
};

double ros_f(const std::vector<double>& x) {
    const std::int64_t n = static_cast<std::int64_t>(x.size());
    return sum4(1, n - 1, [&](std::int64_t i) {
        double a = x[i] - x[i - 1] * x[i - 1];
        double b = 1 - x[i - 1];
        return 100 * a * a + b * b;
    });
}

std::vector<double> ros_grad(const std::vector<double>& x) {
    const std::size_t n = x.size();
    std::vector<double> g(n, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        if (k + 1 < n) g[k] += -400 * x[k] * (x[k + 1] - x[k] * x[k]) - 2 * (1 - x[k]);
        if (k >= 1) g[k] += 200 * (x[k] - x[k - 1] * x[k - 1]);
    }
    return g;
}

std::vector<double> random_vector(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> d(-2, 2);
    std::vector<double> v(n);
    for (double& e : v) e = d(gen);
    return v;
}

} // namespace

TEST_CASE("a sum over x[i] adds in four interleaved partial sums") {
    Context ctx;
    Expr x = ctx.symbol("x"), n = ctx.symbol("n"), i = ctx.symbol("i");
    Expr s = ctx.sum(i, ctx.integer(1), n, ctx.at(x, i));
    LoopInterpreter li(std::span<const Expr>(&s, 1), Signature{{n}, {x}});
    for (std::size_t len : {0, 1, 2, 3, 4, 5, 7, 8, 9, 1000, 1001}) {
        Inputs in;
        in.vectors = {random_vector(len, len)};
        // Values of very different magnitudes make the order visible in the last bits.
        for (std::size_t j = 0; j < len; ++j) in.vectors[0][j] *= std::pow(10.0, static_cast<double>(j % 7) * 3);
        in.scalars = {static_cast<double>(len)};
        in.run(li);
        const auto& v = in.vectors[0];
        CHECK(in.out[0] == sum4(1, static_cast<std::int64_t>(len), [&](std::int64_t k) { return v[k - 1]; }));
    }
}

TEST_CASE("extended Rosenbrock: value and gather-form gradient against plain loops") {
    Rosenbrock r;
    Expr len = r.ctx.len(r.x);
    Expr f = r.f(len - r.one);
    Expr g = r.grad(len - r.one, len);
    Expr outs[] = {f, g};
    LoopInterpreter li(outs, Signature{{}, {r.x}});
    CHECK(li.scalar_outputs() == 1);
    CHECK(li.vector_outputs() == 1);
    for (std::size_t n : {1, 2, 3, 10, 1000}) {
        Inputs in;
        in.vectors = {random_vector(n, 7 * n)};
        in.run(li);
        double expect = ros_f(in.vectors[0]);
        CHECK(in.out[0] == Approx(expect).epsilon(1e-13).margin(1e-300));
        std::vector<double> eg = ros_grad(in.vectors[0]);
        REQUIRE(in.vector_out[0].size() == n);
        for (std::size_t k = 0; k < n; ++k) CHECK(in.vector_out[0][k] == Approx(eg[k]).epsilon(1e-12).margin(1e-12));
    }
}

TEST_CASE("extended Rosenbrock with the size n as a scalar") {
    Rosenbrock r;
    Expr f = r.f(r.n - r.one);
    Expr g = r.grad(r.n - r.one, r.n);
    Expr outs[] = {r.ctx.list({f, g})};
    LoopInterpreter li(outs, Signature{{r.n}, {r.x}});
    for (std::size_t n : {2, 3, 10, 1000}) {
        Inputs in;
        in.vectors = {random_vector(n, n)};
        in.scalars = {static_cast<double>(n)};
        in.run(li);
        CHECK(in.out[0] == Approx(ros_f(in.vectors[0])).epsilon(1e-13));
        std::vector<double> eg = ros_grad(in.vectors[0]);
        for (std::size_t k = 0; k < n; ++k) CHECK(in.vector_out[0][k] == Approx(eg[k]).epsilon(1e-12).margin(1e-12));
    }
    // n = 1: no term, and the gradient's guards exclude its only element.
    Inputs in;
    in.vectors = {{0.5}};
    in.scalars = {1};
    in.run(li);
    CHECK(in.out[0] == 0.0);
    REQUIRE(in.vector_out[0].size() == 1);
    CHECK(in.vector_out[0][0] == 0.0);
}

TEST_CASE("MSE loss and its two partials over data columns") {
    Context ctx;
    Expr m = ctx.symbol("m"), b = ctx.symbol("b"), x = ctx.symbol("x"), y = ctx.symbol("y");
    Expr r = m * x + b - y;
    Expr loss = ctx.row_mean(pow(r, ctx.integer(2)));
    Expr dm = ctx.integer(2) * ctx.row_mean(r * x);
    Expr db = ctx.integer(2) * ctx.row_mean(r);
    Expr outs[] = {loss, dm, db, ctx.row_sum(x)};
    LoopInterpreter li(outs, Signature{{m, b}, {x, y}});
    for (std::size_t rows : {1, 2, 3, 5, 1000, 4099}) {
        Inputs in;
        in.scalars = {0.7, -0.3};
        in.vectors = {random_vector(rows, rows), random_vector(rows, rows + 1)};
        in.run(li);
        const auto& xs = in.vectors[0];
        const auto& ys = in.vectors[1];
        auto res = [&](std::int64_t k) { return 0.7 * xs[k] + -0.3 - ys[k]; };
        double e_loss = sum4(0, rows - 1, [&](std::int64_t k) { return res(k) * res(k); }) / rows;
        double e_dm = 2 * (sum4(0, rows - 1, [&](std::int64_t k) { return res(k) * xs[k]; }) / rows);
        double e_db = 2 * (sum4(0, rows - 1, res) / rows);
        CHECK(in.out[0] == Approx(e_loss).epsilon(1e-13));
        CHECK(in.out[1] == Approx(e_dm).epsilon(1e-12).margin(1e-14));
        CHECK(in.out[2] == Approx(e_db).epsilon(1e-12).margin(1e-14));
        CHECK(in.out[3] == sum4(0, rows - 1, [&](std::int64_t k) { return xs[k]; }));
    }
}

TEST_CASE("empty ranges give 0 and empty vectors") {
    Context ctx;
    Expr x = ctx.symbol("x"), n = ctx.symbol("n"), i = ctx.symbol("i"), k = ctx.symbol("k");
    Expr s = ctx.sum(i, ctx.integer(1), n, ctx.at(x, i) * ctx.at(x, i));
    Expr v = ctx.vec(k, ctx.integer(1), n, ctx.at(x, k));
    Expr outs[] = {s, v, ctx.row_sum(x)};
    LoopInterpreter li(outs, Signature{{n}, {x}});
    for (double nv : {0.0, -5.0}) {
        Inputs in;
        in.scalars = {nv};
        in.vectors = {{}};
        in.run(li);
        CHECK(in.out[0] == 0.0);
        CHECK(!std::signbit(in.out[0]));
        CHECK(in.out[1] == 0.0);
        CHECK(in.vector_out[0].empty());
    }
}

TEST_CASE("Vec outputs store element k at k - lo, guards excluded elements are zero") {
    Context ctx;
    Expr x = ctx.symbol("x"), n = ctx.symbol("n"), k = ctx.symbol("k");
    // [3*x[k-1] if 2<=k<=n+1 for k = 1..n+2] over x of length n.
    Expr body = ctx.guard(k, ctx.integer(2), n + ctx.integer(1), ctx.at(x, k - ctx.integer(1)) * ctx.integer(3));
    Expr v = ctx.vec(k, ctx.integer(1), n + ctx.integer(2), body);
    LoopInterpreter li(std::span<const Expr>(&v, 1), Signature{{n}, {x}});
    Inputs in;
    in.scalars = {4};
    in.vectors = {{1, 2, 3, 4}};
    in.run(li);
    CHECK(in.vector_out[0] == std::vector<double>{0, 3, 6, 9, 12, 0});
}

TEST_CASE("loop-invariant parts and sums used by other loops") {
    Context ctx;
    Expr x = ctx.symbol("x"), n = ctx.symbol("n"), i = ctx.symbol("i"), k = ctx.symbol("k"), p = ctx.symbol("p");
    Expr s = ctx.sum(i, ctx.integer(1), n, ctx.at(x, i) * ctx.at(x, i));
    // d/dx[k] ln(sum x[i]^2) = 2 x[k] / sum: the gradient reads the sum's value.
    Expr g = ctx.vec(k, ctx.integer(1), n, ctx.integer(2) * ctx.at(x, k) / s);
    Expr outs[] = {ctx.call(Op::Log, {s}) + p, g, ctx.at(x, n) * ctx.len(x)};
    LoopInterpreter li(outs, Signature{{n, p}, {x}});
    Inputs in;
    in.scalars = {3, 0.5};
    in.vectors = {{1, 2, 3}};
    in.run(li);
    CHECK(in.out[0] == std::log(14.0) + 0.5);
    CHECK(in.out[1] == 9.0);
    CHECK(in.vector_out[0][0] == 2.0 / 14.0);
    CHECK(in.vector_out[0][2] == 6.0 / 14.0);
}

TEST_CASE("run-time errors have the messages of docs/reductions.md, in the interpreter and the JIT") {
    Context ctx;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y"), n = ctx.symbol("n"), i = ctx.symbol("i"), j = ctx.symbol("j");
    auto run = [&](Expr e, Signature sig, Inputs in) {
        std::string interp = error_of([&] {
            LoopInterpreter li(std::span<const Expr>(&e, 1), sig);
            in.run(li);
        });
        for (int level : {0, 2}) {
            JitOptions o;
            o.opt_level = level;
            std::string jit = error_of([&] {
                LoopKernel k = compile_loops(std::span<const Expr>(&e, 1), sig, o);
                in.run(k);
            });
            CHECK(jit == interp);
        }
        return interp;
    };
    Inputs ten;
    ten.vectors = {std::vector<double>(10, 1.0)};
    ten.scalars = {10};
    Expr s = ctx.sum(i, ctx.integer(1), n, ctx.at(x, i + ctx.integer(1)));
    CHECK(run(s, {{n}, {x}}, ten) == "index out of range: x[i + 1] reads x[11], x has 10 elements");
    Expr s0 = ctx.sum(i, ctx.integer(1), n, ctx.at(x, i - ctx.integer(1)));
    CHECK(run(s0, {{n}, {x}}, ten) == "index out of range: x[i - 1] reads x[0], x has 10 elements");
    Inputs half = ten;
    half.scalars = {2.5};
    Expr s1 = ctx.sum(i, ctx.integer(1), n - ctx.integer(1), ctx.at(x, i));
    CHECK(run(s1, {{n}, {x}}, half) == "sum bound n - 1 = 1.5 is not an integer");
    CHECK(run(ctx.at(x, n), {{n}, {x}}, half) == "index n = 2.5 of x[n] is not an integer");
    Inputs eleven = ten;
    eleven.scalars = {11};
    CHECK(run(ctx.at(x, n), {{n}, {x}}, eleven) == "index out of range: x[n] reads x[11], x has 10 elements");
    Inputs cols;
    cols.vectors = {std::vector<double>(50, 1.0), std::vector<double>(49, 1.0)};
    CHECK(run(ctx.row_mean(x * y), {{}, {x, y}}, cols) == "columns of different lengths in one mean: x has 50 rows, y has 49");
    CHECK(run(ctx.row_sum(x * y), {{}, {x, y}}, cols) == "columns of different lengths in one sum: x has 50 rows, y has 49");
    Inputs none;
    none.vectors = {{}, {}};
    CHECK(run(ctx.row_mean(x * y), {{}, {x, y}}, none) == "mean over no rows");
    // A guard keeps x[j-1] from being read at j = 1.
    Expr k = ctx.symbol("k");
    Expr v = ctx.vec(k, ctx.integer(1), n, ctx.guard(k, ctx.integer(2), n, ctx.at(x, k - ctx.integer(1))));
    CHECK(run(v, {{n}, {x}}, ten) == "(no error)");
    Expr v2 = ctx.vec(k, ctx.integer(1), n, ctx.guard(k, ctx.integer(1), n, ctx.at(x, k - ctx.integer(1))));
    CHECK(run(v2, {{n}, {x}}, ten) == "index out of range: x[k - 1] reads x[0], x has 10 elements");
    // The bound is printed as it is spelt: the fraction 1/2 (as x/2 makes it) as 1/2, the
    // decimal 0.5 the user typed as 0.5.
    Expr v3 = ctx.vec(k, ctx.integer(1), n + ctx.rational(1, 2), ctx.at(x, k));
    CHECK(run(v3, {{n}, {x}}, ten) == "vector bound n + 1/2 = 10.5 is not an integer");
    Expr v4 = ctx.vec(k, ctx.integer(1), n + ctx.number(Number::decimal(1, 2)), ctx.at(x, k));
    CHECK(run(v4, {{n}, {x}}, ten) == "vector bound n + 0.5 = 10.5 is not an integer");
    (void)j;
}

TEST_CASE("constructor errors") {
    Context ctx;
    Expr x = ctx.symbol("x"), z = ctx.symbol("z"), n = ctx.symbol("n"), i = ctx.symbol("i"), j = ctx.symbol("j");
    auto make = [&](Expr e, Signature sig) {
        return error_of([&] { LoopInterpreter li(std::span<const Expr>(&e, 1), sig); });
    };
    Expr one = ctx.integer(1);
    CHECK(make(ctx.sum(i, one, n, ctx.at(x, i) * z), {{n}, {x}}) == "unknown variable 'z'");
    CHECK(make(x + one, {{}, {x}}) == "vector 'x' is used as a number outside a sum or mean over data rows");
    CHECK(make(ctx.sum(i, one, n, x), {{n}, {x}}) == "vector 'x' is used as a number outside a sum or mean over data rows");
    CHECK(make(ctx.sum(i, one, n, ctx.at(x, ctx.integer(2) * i)), {{n}, {x}}) ==
          "index x[2*i] must be i + c with an integer c, or free of i");
    Expr nested = ctx.sum(i, one, n, ctx.sum(j, one, i, ctx.at(x, j)));
    std::string nest = make(nested, {{n}, {x}});
    CHECK(nest.rfind("reductions do not nest: ", 0) == 0);
    CHECK(nest.find(" depends on i, the index of the sum over i") != std::string::npos);
    CHECK(make(ctx.at(n, one), {{n}, {x}}) == "'n' in n[1] is not a vector of the signature");
    // With no data column to count the rows (x here is indexed, so it is not one).
    CHECK(make(ctx.row_mean(n * n) + ctx.at(x, one), {{n}, {x}}).find("reads no data column") != std::string::npos);
}

TEST_CASE("JIT: extended Rosenbrock f and gather-form gradient, bit for bit at O0..O3") {
    Rosenbrock r;
    Expr f = r.f(r.n - r.one);
    Expr g = r.grad(r.n - r.one, r.n);
    Expr outs[] = {f, g};
    Signature sig{{r.n}, {r.x}};
    LoopInterpreter li(outs, sig);
    for (int level = 0; level <= 3; ++level) {
        JitOptions o;
        o.opt_level = level;
        LoopKernel k = compile_loops(outs, sig, o);
        for (std::size_t n : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1000, 1003}) {
            INFO("O" << level << " n = " << n);
            Inputs in;
            in.vectors = {random_vector(n, n + 100)};
            in.scalars = {static_cast<double>(n)};
            check_same(li, k, in);
        }
    }
}

TEST_CASE("JIT: MSE loss and gradient over rows, bit for bit") {
    Context ctx;
    Expr m = ctx.symbol("m"), b = ctx.symbol("b"), x = ctx.symbol("x"), y = ctx.symbol("y");
    Expr r = m * x + b - y;
    Expr outs[] = {ctx.row_mean(pow(r, ctx.integer(2))), ctx.integer(2) * ctx.row_mean(r * x),
                   ctx.integer(2) * ctx.row_mean(r)};
    Signature sig{{m, b}, {x, y}};
    LoopInterpreter li(outs, sig);
    for (int level = 0; level <= 3; ++level) {
        JitOptions o;
        o.opt_level = level;
        LoopKernel k = compile_loops(outs, sig, o);
        for (std::size_t rows : {1, 2, 3, 4, 5, 9, 1000, 4099}) {
            Inputs in;
            in.scalars = {0.7, -0.3};
            in.vectors = {random_vector(rows, rows), random_vector(rows, rows + 1)};
            check_same(li, k, in);
        }
    }
}

TEST_CASE("JIT: the middle loop is vector code on this host") {
    Rosenbrock r;
    Expr outs[] = {r.f(r.n - r.one), r.grad(r.n - r.one, r.n)};
    Signature sig{{r.n}, {r.x}};
    JitOptions o;
    o.opt_level = 3;
    std::string ir = emit_loops_llvm_ir(outs, sig, o);
    std::string fadd = "fadd <4 x double>";
    std::string load = "load <4 x double>";
    CHECK(ir.find(fadd) != std::string::npos);
    CHECK(ir.find(load) != std::string::npos);
    std::string as = emit_loops_asm(outs, sig, o);
    // Four doubles in one register: ymm with AVX, or the pair of xmm of SSE2 (still vector code).
    CHECK((as.find("ymm") != std::string::npos || as.find("addpd") != std::string::npos));
    if (std::getenv("SYMDIFF_SHOW_LOOPS")) {
        WARN(ir);
        WARN(as);
    }
}

TEST_CASE("JIT: one kernel called from several threads at once") {
    Rosenbrock r;
    Expr outs[] = {r.f(r.n - r.one), r.grad(r.n - r.one, r.n)};
    Signature sig{{r.n}, {r.x}};
    LoopInterpreter li(outs, sig);
    LoopKernel k = compile_loops(outs, sig);
    std::vector<Inputs> expected(4);
    for (std::size_t t = 0; t < expected.size(); ++t) {
        expected[t].vectors = {random_vector(5000 + t, t)};
        expected[t].scalars = {static_cast<double>(5000 + t)};
    }
    std::vector<int> bad(expected.size(), 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < expected.size(); ++t)
        threads.emplace_back([&, t] {
            Inputs mine = expected[t];
            Inputs ref = expected[t];
            ref.run(li);
            for (int rep = 0; rep < 200; ++rep) {
                mine.run(k);
                bad[t] += !same_bits(mine.out[0], ref.out[0]) || mine.vector_out[0] != ref.vector_out[0];
            }
        });
    for (auto& th : threads) th.join();
    for (int b : bad) CHECK(b == 0);
    // Moved-from and moved-to kernels: the code lives as long as the object holding it.
    LoopKernel moved = std::move(k);
    CHECK(!k);
    CHECK(moved);
    Inputs again = expected[0];
    again.run(moved);
    CHECK(again.vector_out[0].size() == 5000);
}

TEST_CASE("JIT: the kernel does not depend on the sizes, even constant ones") {
    Rosenbrock r;
    auto ir_lines = [&](std::int64_t n) {
        Expr nn = r.ctx.integer(n);
        Expr outs[] = {r.f(nn - r.one), r.grad(nn - r.one, nn)};
        std::string ir = emit_loops_llvm_ir(outs, Signature{{}, {r.x}});
        return std::count(ir.begin(), ir.end(), '\n');
    };
    // Constant bounds fold into the code: at n = 10 LLVM unrolls the whole loop away (126 lines
    // of IR against 219), but from a thousand on the code is the same whatever n.
    auto small = ir_lines(1000), large = ir_lines(1'000'000);
    CHECK(large < small + small / 10);
    CHECK(small < large + large / 10);
    // With n a scalar, one kernel serves every n (the Rosenbrock tests above run it up to 1003).
}

TEST_CASE("JIT: point guards and bounds that differ in form (n and len(x)) fuse and stay exact") {
    // f = 3*x[n] + x[1]^2 + ln(sum(i = 1..n, x[i]^2)) and its gradient as vector_gradient
    // writes it: one guard per element read outside the sum, over 1..len(x).
    Context ctx;
    Expr x = ctx.symbol("x"), n = ctx.symbol("n"), i = ctx.symbol("i"), k = ctx.symbol("k");
    Expr one = ctx.integer(1), two = ctx.integer(2);
    Expr s = ctx.sum(i, one, n, pow(ctx.at(x, i), two));
    Expr f = ctx.integer(3) * ctx.at(x, n) + pow(ctx.at(x, one), two) + ctx.call(Op::Log, {s});
    Expr g = ctx.guard(k, n, n, ctx.integer(3)) + ctx.guard(k, one, one, two * ctx.at(x, one)) +
             ctx.guard(k, one, n, two * ctx.at(x, k) / s);
    Expr outs[] = {f, ctx.vec(k, one, ctx.len(x), g)};
    Signature sig{{n}, {x}};
    LoopInterpreter li(outs, sig);
    for (int level : {0, 2, 3}) {
        JitOptions o;
        o.opt_level = level;
        LoopKernel kern = compile_loops(outs, sig, o);
        for (std::size_t len : {1, 2, 3, 4, 5, 9, 1000, 1001}) {
            Inputs in;
            in.vectors = {random_vector(len, len + 5)};
            in.scalars = {static_cast<double>(len)};
            check_same(li, kern, in);
            in.run(kern);
            const auto& xs = in.vectors[0];
            double sum = sum4(1, static_cast<std::int64_t>(len), [&](std::int64_t j) { return xs[j - 1] * xs[j - 1]; });
            for (std::size_t j = 0; j < len; ++j) {
                double e = 2 * xs[j] / sum + (j == 0 ? 2 * xs[0] : 0.0) + (j + 1 == len ? 3.0 : 0.0);
                CHECK(in.vector_out[0][j] == Approx(e).epsilon(1e-13));
            }
        }
    }
}

TEST_CASE("JIT: fast_math kernels compile and stay close") {
    Rosenbrock r;
    Expr outs[] = {r.f(r.n - r.one), r.grad(r.n - r.one, r.n)};
    Signature sig{{r.n}, {r.x}};
    LoopInterpreter li(outs, sig);
    JitOptions o;
    o.fast_math = true;
    o.opt_level = 3;
    LoopKernel k = compile_loops(outs, sig, o);
    Inputs a, b;
    a.vectors = b.vectors = {random_vector(777, 3)};
    a.scalars = b.scalars = {777};
    a.run(li);
    b.run(k);
    CHECK(b.out[0] == Approx(a.out[0]).epsilon(1e-12));
    for (std::size_t j = 0; j < 777; ++j) CHECK(b.vector_out[0][j] == Approx(a.vector_out[0][j]).epsilon(1e-12).margin(1e-12));
    CHECK_THROWS_WITH(compile_loops(outs, sig, JitOptions{.opt_level = 4}), "optimisation level must be 0..3, got 4");
}

// The closeness above holds without the flags too; this fails if fast_math sets none in loops.
// Each term x[i]^2 - y[i]^2 with x = y is exactly 0 in exact code; with `fast` (which includes
// `contract`) a CPU with FMA fuses one product, and the sum is n times the other's rounding error.
TEST_CASE("JIT: fast_math sets LLVM's fast flags in loops: sum(x[i]^2 - y[i]^2) is fused, not 0") {
    Context ctx;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y"), n = ctx.symbol("n"), i = ctx.symbol("i");
    Expr xi = ctx.at(x, i), yi = ctx.at(y, i);
    Expr outs[] = {ctx.sum(i, ctx.integer(1), n, xi * xi - yi * yi)};
    Signature sig{{n}, {x, y}};
    const JitOptions fast_options{.opt_level = 3, .fast_math = true};
    LoopKernel exact = compile_loops(outs, sig);
    LoopKernel fast = compile_loops(outs, sig, fast_options);
    Inputs a, b;
    a.vectors = b.vectors = {std::vector<double>(100, 0.1), std::vector<double>(100, 0.1)};
    a.scalars = b.scalars = {100};
    a.run(exact);
    b.run(fast);
    CHECK(a.out[0] == 0.0);
    if (__builtin_cpu_supports("fma")) {
        CHECK(b.out[0] != 0.0);
        CHECK(std::fabs(b.out[0]) < 1e-15);
    }
    CHECK(emit_loops_llvm_ir(outs, sig, fast_options).find("fmul fast double") != std::string::npos);
    CHECK(emit_loops_llvm_ir(outs, sig, JitOptions{.opt_level = 3}).find("fast") == std::string::npos);
}

TEST_CASE("JIT: f and vector_gradient(f, x) in one kernel, as the optimisers use them") {
    Rosenbrock r;
    Expr f = r.f(r.n - r.one);
    Expr outs[] = {f, vector_gradient(f, r.x)};
    Signature sig{{r.n}, {r.x}};
    LoopInterpreter li(outs, sig);
    LoopKernel k = compile_loops(outs, sig);
    for (std::size_t n : {2, 3, 10, 1000}) {
        Inputs in;
        in.vectors = {random_vector(n, 11 * n)};
        in.scalars = {static_cast<double>(n)};
        check_same(li, k, in);
        in.run(k);
        std::vector<double> eg = ros_grad(in.vectors[0]);
        REQUIRE(in.vector_out[0].size() == n);
        for (std::size_t j = 0; j < n; ++j) CHECK(in.vector_out[0][j] == Approx(eg[j]).epsilon(1e-12).margin(1e-12));
    }
}
