// JitOptions::fp_contract (`--fp-contract`): LLVM may fuse a*b + c into one fma and do nothing
// else. Results then differ from the Interpreter by rounding only, which the property below
// bounds rigorously for polynomials; the default stays bit for bit (test_jit_vs_interp.cpp),
// and the emitted C says in its pragmas which of the two it computes.
#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

namespace fs = std::filesystem;
using namespace symdiff;

namespace {

// Without FMA in the CPU there is nothing to contract: the option must then change nothing,
// and the tests that expect a difference only check that.
bool host_has_fma() { return __builtin_cpu_supports("fma"); }

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

bool has_fma_instruction(const std::string& assembly) {
    for (const char* op : {"vfmadd", "vfmsub", "vfnmadd", "vfnmsub"})
        if (assembly.find(op) != std::string::npos) return true;
    return false;
}

// A random polynomial in `vars`: sums, differences and products of variables and small
// constants (integers and rationals), squares and cubes. Depth 0 is a leaf.
Expr random_polynomial(Context& ctx, std::mt19937_64& rng, int depth, const std::vector<Expr>& vars) {
    auto pick = [&](std::uint64_t n) { return static_cast<std::int64_t>(rng() % n); };
    if (depth == 0 || pick(5) == 0) {
        if (pick(3) == 0) return pick(2) ? ctx.integer(pick(9) - 4) : ctx.rational(pick(9) - 4, pick(5) + 2);
        return vars[static_cast<std::size_t>(pick(static_cast<std::uint64_t>(vars.size())))];
    }
    Expr a = random_polynomial(ctx, rng, depth - 1, vars);
    switch (pick(5)) {
    case 0: return a + random_polynomial(ctx, rng, depth - 1, vars);
    case 1: return a - random_polynomial(ctx, rng, depth - 1, vars);
    case 2: case 3: return a * random_polynomial(ctx, rng, depth - 1, vars);
    default: return pow(a, ctx.integer(pick(2) + 2));
    }
}

// The polynomial evaluated with every constant and input replaced by its absolute value, and
// the number of its nodes. Any evaluation of a polynomial in floating point, in any order,
// with or without fma, is within gamma_k * magnitude of the exact value, where k bounds the
// roundings on any path from a leaf to the root (Higham, Accuracy and Stability of Numerical
// Algorithms, 2nd ed., section 3.1); so two evaluations are within 2 gamma_k * magnitude of
// each other. Constants are rounded once, the same way for both: they count as exact.
struct Magnitude {
    const std::vector<Expr>& vars;
    const std::vector<double>& at;
    std::unordered_map<NodeId, double> memo;
    std::size_t nodes = 0;

    double operator()(Expr e) {
        if (auto it = memo.find(e.id()); it != memo.end()) return it->second;
        ++nodes;
        double m = 0;
        switch (e.op()) {
        case Op::Num: m = std::fabs(e.number().value()); break;
        case Op::Sym:
            for (std::size_t i = 0; i < vars.size(); ++i)
                if (vars[i] == e) m = std::fabs(at[i]);
            break;
        case Op::Add:
            for (std::size_t i = 0; i < e.size(); ++i) m += (*this)(e[i]);
            break;
        case Op::Mul:
            m = 1;
            for (std::size_t i = 0; i < e.size(); ++i) m *= (*this)(e[i]);
            break;
        case Op::Pow:
            REQUIRE(e[1].is_number());
            REQUIRE(e[1].number().is_integer());
            REQUIRE(e[1].number().value() >= 0);
            m = std::pow((*this)(e[0]), e[1].number().value());
            break;
        default: FAIL("not a polynomial: " << to_string(e)); break;
        }
        return memo[e.id()] = m;
    }
};

} // namespace

TEST_CASE("fp_contract: Rosenbrock f+grad fuses to fma and stays within rounding of the Interpreter",
          "[jit][fp_contract]") {
    Context ctx;
    Parsed p = parse(ctx, "(1-x)^2 + 100*(y-x^2)^2");
    std::vector<Expr> outs = value_and_gradient(p.expr, p.variables);
    Interpreter interp(outs, p.variables);
    CompiledFunction exact = compile_gradient(p.expr, p.variables);
    CompiledFunction fused = compile_gradient(p.expr, p.variables, JitOptions{.fp_contract = true});
    const double at[] = {-1.2, 1.0};
    double want[3], a[3], b[3];
    interp.run(at, want);
    exact(at, a);
    fused(at, b);
    bool any_differs = false;
    for (int i = 0; i < 3; ++i) {
        CHECK(same_bits(a[i], want[i]));
        CHECK(b[i] == Approx(want[i]).epsilon(1e-14));
        any_differs = any_differs || !same_bits(b[i], want[i]);
    }
    std::vector<KernelSpec> ks{{"f_grad", outs}};
    std::string fused_asm = emit_asm(ks, p.variables, JitOptions{.fp_contract = true});
    std::string plain_asm = emit_asm(ks, p.variables);
    CHECK_FALSE(has_fma_instruction(plain_asm));
    // `contract` is the only flag: no `fast`, no `reassoc`.
    std::string ir = emit_llvm_ir(ks, p.variables, JitOptions{.fp_contract = true});
    CHECK(ir.find("fmul contract double") != std::string::npos);
    CHECK(ir.find("reassoc") == std::string::npos);
    CHECK(ir.find(" fast ") == std::string::npos);
    if (host_has_fma()) {
        CHECK(has_fma_instruction(fused_asm));
        // At (-1.2, 1) the fused kernel rounds differently: f = 24.199999999999992, not ...996.
        CHECK(any_differs);
    } else {
        CHECK_FALSE(any_differs);
    }
}

TEST_CASE("fp_contract: a cancelling x*x - y*y is exactly 0 by default, the rounding error of y*y fused",
          "[jit][fp_contract]") {
    Context ctx;
    Parsed p = parse(ctx, "x*x - y*y");
    const std::vector<Expr> outs{p.expr};
    CompiledFunction exact = compile(outs, p.variables);
    CompiledFunction fused = compile(outs, p.variables, JitOptions{.fp_contract = true});
    const double at[] = {0.1, 0.1};
    double a = -1, b = -1;
    exact(at, &a);
    fused(at, &b);
    CHECK(same_bits(a, 0.0));
    // fma(x, x, -(y*y)) = x*x - round(y*y) exactly: the error of the rounded product, below
    // half an ulp of 0.01 (one or the other product is fused, so either sign).
    const double half_ulp = std::nextafter(0.01, 1.0) - 0.01;
    if (host_has_fma()) {
        CHECK(b != 0.0);
        CHECK(std::fabs(b) <= half_ulp);
    } else {
        CHECK(same_bits(b, 0.0));
    }
}

TEST_CASE("fp_contract: 400 random polynomials and their gradients within 2 gamma_k of the Interpreter",
          "[jit][fp_contract]") {
    Context ctx;
    const std::vector<Expr> vars{ctx.symbol("x"), ctx.symbol("y"), ctx.symbol("z")};
    std::mt19937_64 rng(20261205);
    std::vector<Expr> outs;
    for (int i = 0; i < 400; ++i) {
        Expr e = random_polynomial(ctx, rng, 4, vars);
        outs.push_back(e);
        for (Expr g : gradient(e, vars)) outs.push_back(g);
    }
    Interpreter interp(outs, vars);
    std::size_t differing = 0, compared = 0;
    for (int level : {0, 2, 3}) {
        CompiledFunction fused = compile(outs, vars, JitOptions{.opt_level = level, .fp_contract = true});
        std::mt19937_64 points(7 + static_cast<std::uint64_t>(level));
        for (int rep = 0; rep < 6; ++rep) {
            std::vector<double> at(3);
            for (double& v : at) v = static_cast<double>(static_cast<std::int64_t>(points() % 4001) - 2000) / 997.0;
            std::vector<double> want(outs.size()), got(outs.size());
            interp.run(at.data(), want.data());
            fused(at.data(), got.data());
            for (std::size_t o = 0; o < outs.size(); ++o) {
                Magnitude magnitude{vars, at, {}};
                const double m = magnitude(outs[o]);
                // k: every node is at most three roundings deep (a cube is two products, an
                // n-ary sum n - 1 additions, bounded by the nodes below it).
                const double k = 3.0 * static_cast<double>(magnitude.nodes);
                const double u = std::numeric_limits<double>::epsilon() / 2;
                const double bound = 2 * (k * u / (1 - k * u)) * m;
                INFO("level " << level << ", output " << o << ": " << to_string(outs[o]) << " at " << at[0] << ", "
                              << at[1] << ", " << at[2]);
                CHECK(std::fabs(got[o] - want[o]) <= bound);
                ++compared;
                if (!same_bits(got[o], want[o])) ++differing;
            }
        }
    }
    INFO(differing << " of " << compared << " outputs differ from the Interpreter");
    // The bound is only worth something if contraction happened: on an FMA host a few percent
    // of the outputs round differently (957 of 28,800 when written); without FMA none may.
    if (host_has_fma()) CHECK(differing > compared / 100);
    else CHECK(differing == 0);
}

TEST_CASE("fp_contract: a rerolled kernel (loop code generator) fuses too and stays within rounding",
          "[jit][fp_contract]") {
    Context ctx;
    // The flat extended Rosenbrock of n = 40: rerolled into a loop at reroll_min_terms = 2.
    std::string text;
    const int n = 40;
    for (int i = 1; i < n; ++i)
        text += (i > 1 ? " + " : "") + std::string("100*(x") + std::to_string(i + 1) + " - x" + std::to_string(i) +
                "^2)^2 + (1 - x" + std::to_string(i) + ")^2";
    Expr f = parse_expr(ctx, text);
    std::vector<Expr> vars;
    for (int i = 1; i <= n; ++i) vars.push_back(ctx.symbol("x" + std::to_string(i)));
    std::vector<Expr> outs = value_and_gradient(f, vars);
    Interpreter interp(outs, vars);
    CompiledFunction rolled = compile_gradient(f, vars, JitOptions{.reroll_min_terms = 2});
    CompiledFunction fused = compile_gradient(f, vars, JitOptions{.fp_contract = true, .reroll_min_terms = 2});
    std::vector<double> at(n), want(n + 1), a(n + 1), b(n + 1);
    for (int i = 0; i < n; ++i) at[static_cast<std::size_t>(i)] = i % 2 ? 1.0 + 0.01 * i : -1.2 + 0.003 * i;
    interp.run(at.data(), want.data());
    rolled(at.data(), a.data());
    fused(at.data(), b.data());
    std::size_t differing = 0;
    for (std::size_t o = 0; o <= static_cast<std::size_t>(n); ++o) {
        Magnitude magnitude{vars, at, {}};
        const double m = magnitude(outs[o]);
        const double k = 3.0 * static_cast<double>(magnitude.nodes);
        const double u = std::numeric_limits<double>::epsilon() / 2;
        INFO("output " << o);
        CHECK(std::fabs(b[o] - want[o]) <= 2 * (k * u / (1 - k * u)) * m);
        if (!same_bits(a[o], b[o])) ++differing;
    }
    if (host_has_fma()) CHECK(differing > 0);
    else CHECK(differing == 0);
}

namespace {

using Kernel = void (*)(const double*, double*);

// A shared object built by the system C compiler from emitted C; removed on destruction.
class CLibrary {
public:
    CLibrary(const std::string& source, const std::string& flags) {
        static int counter = 0;
        dir_ = fs::temp_directory_path() /
               ("symdiff_fp_contract_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::create_directories(dir_);
        std::ofstream(dir_ / "k.c") << source;
        const std::string c = (dir_ / "k.c").string(), err = (dir_ / "err.txt").string();
        std::string cmd = "cc " + flags + " -shared -fPIC -o '" + (dir_ / "k.so").string() + "' '" + c + "' -lm 2> '" +
                          err + "' && cc " + flags + " -S -o '" + (dir_ / "k.s").string() + "' '" + c + "' 2>> '" +
                          err + "'";
        if (std::system(cmd.c_str()) == 0) handle_ = dlopen((dir_ / "k.so").c_str(), RTLD_NOW | RTLD_LOCAL);
    }
    ~CLibrary() {
        if (handle_) dlclose(handle_);
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    CLibrary(const CLibrary&) = delete;
    CLibrary& operator=(const CLibrary&) = delete;
    bool ok() const { return handle_ != nullptr; }
    std::string read(const char* file) const {
        std::ifstream in(dir_ / file);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    Kernel kernel(const char* name) const { return reinterpret_cast<Kernel>(dlsym(handle_, name)); }

private:
    fs::path dir_;
    void* handle_ = nullptr;
};

bool have_cc() { return std::system("cc --version > /dev/null 2>&1") == 0; }

} // namespace

// GCC contracts across statements by default in its GNU modes, so without the pragma the
// default C compiled with `cc -O2 -march=native` on an FMA host would not be the JIT's numbers.
TEST_CASE("fp_contract: emitted C keeps or allows contraction as its options say, with cc -march=native",
          "[jit][fp_contract][emit_c]") {
    if (!have_cc()) {
        WARN("no system C compiler (cc): skipped");
        return;
    }
    Context ctx;
    const std::vector<Expr> vars{ctx.symbol("x"), ctx.symbol("y"), ctx.symbol("z")};
    std::mt19937_64 rng(99);
    std::vector<Expr> outs;
    for (int i = 0; i < 60; ++i) {
        Expr e = random_polynomial(ctx, rng, 4, vars);
        outs.push_back(e);
        for (Expr g : gradient(e, vars)) outs.push_back(g);
    }
    std::vector<KernelSpec> ks{{"k", outs}};
    const std::string plain_c = emit_c(ks, vars), fused_c = emit_c(ks, vars, JitOptions{.fp_contract = true});
    CHECK(plain_c.find("#pragma GCC optimize(\"fp-contract=off\")") != std::string::npos);
    CHECK(plain_c.find("#pragma STDC FP_CONTRACT OFF") != std::string::npos);
    CHECK(fused_c.find("#pragma GCC optimize(\"fp-contract=fast\")") != std::string::npos);
    CHECK(fused_c.find("#pragma clang fp contract(fast)") != std::string::npos);

    // GNU C, which contracts by default: the pragma turns it off. -Wall -Werror: the pragmas
    // raise no warning (`#pragma STDC FP_CONTRACT` alone would, in GCC).
    CLibrary plain(plain_c, "-O2 -march=native -Wall -Werror");
    INFO(plain.read("err.txt"));
    REQUIRE(plain.ok());
    CHECK_FALSE(has_fma_instruction(plain.read("k.s")));
    // ISO C, which does not contract by default: the pragma turns it on.
    CLibrary fused(fused_c, "-O2 -march=native -std=c99 -Wall -Werror");
    INFO(fused.read("err.txt"));
    REQUIRE(fused.ok());
    if (host_has_fma()) CHECK(has_fma_instruction(fused.read("k.s")));

    Kernel kp = plain.kernel("k"), kf = fused.kernel("k");
    REQUIRE(kp);
    REQUIRE(kf);
    Interpreter interp(outs, vars);
    std::mt19937_64 points(5);
    for (int rep = 0; rep < 4; ++rep) {
        std::vector<double> at(3);
        for (double& v : at) v = static_cast<double>(static_cast<std::int64_t>(points() % 4001) - 2000) / 997.0;
        std::vector<double> want(outs.size()), a(outs.size()), b(outs.size());
        interp.run(at.data(), want.data());
        kp(at.data(), a.data());
        kf(at.data(), b.data());
        for (std::size_t o = 0; o < outs.size(); ++o) {
            INFO("output " << o << ": " << to_string(outs[o]));
            CHECK(same_bits(a[o], want[o]));
            Magnitude magnitude{vars, at, {}};
            const double m = magnitude(outs[o]);
            const double k = 3.0 * static_cast<double>(magnitude.nodes);
            const double u = std::numeric_limits<double>::epsilon() / 2;
            CHECK(std::fabs(b[o] - want[o]) <= 2 * (k * u / (1 - k * u)) * m);
        }
    }
}
