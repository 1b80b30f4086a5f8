// emit_c: the generated C compiles with the system compiler and computes the JIT's numbers.
// Each test writes the C to a temporary folder, builds a shared object with `cc -O2`, loads it
// with dlopen and compares, bit for bit, with the Interpreter and the JIT.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

namespace fs = std::filesystem;
using namespace symdiff;

namespace {

using Kernel = void (*)(const double*, double*);

bool same(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// A shared object built from C source; closed (and its folder removed) on destruction.
class CLibrary {
public:
    CLibrary(const std::string& source, const std::string& flags) {
        dir_ = fs::temp_directory_path() / ("symdiff_emit_c_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
        fs::create_directories(dir_);
        std::ofstream(dir_ / "k.c") << source;
        std::string cmd = "cc " + flags + " -shared -fPIC -o '" + (dir_ / "k.so").string() + "' '" +
                          (dir_ / "k.c").string() + "' -lm 2> '" + (dir_ / "err.txt").string() + "'";
        status_ = std::system(cmd.c_str());
        if (status_ == 0) handle_ = dlopen((dir_ / "k.so").c_str(), RTLD_NOW | RTLD_LOCAL);
    }
    ~CLibrary() {
        if (handle_) dlclose(handle_);
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    bool ok() const { return handle_ != nullptr; }
    std::string errors() const {
        std::ifstream in(dir_ / "err.txt");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    Kernel kernel(const char* name) const { return reinterpret_cast<Kernel>(dlsym(handle_, name)); }

private:
    static int& counter() {
        static int n = 0;
        return n;
    }
    fs::path dir_;
    int status_ = -1;
    void* handle_ = nullptr;
};

bool have_cc() { return std::system("cc --version > /dev/null 2>&1") == 0; }

} // namespace

TEST_CASE("emit_c: Rosenbrock f and f_grad compile with cc -O2 and match the JIT", "[emit_c]") {
    if (!have_cc()) {
        WARN("no system C compiler (cc): skipped");
        return;
    }
    Context ctx;
    Parsed p = parse(ctx, "(1-x)^2 + 100*(y-x^2)^2");
    std::vector<KernelSpec> ks{{"f", {p.expr}}, {"f_grad", value_and_gradient(p.expr, p.variables)}};
    std::string c = emit_c(ks, p.variables);
    CHECK(c.find("#include <math.h>") != std::string::npos);
    CHECK(c.find("void f_grad(const double* restrict in, double* restrict out)") != std::string::npos);

    CLibrary lib(c, "-O2 -std=c99 -Wall -Werror");
    INFO(lib.errors() << c);
    REQUIRE(lib.ok());
    Kernel f = lib.kernel("f"), fg = lib.kernel("f_grad");
    REQUIRE(f);
    REQUIRE(fg);
    CompiledFunction jit = compile(ks[1].outputs, p.variables);
    for (auto [x, y] : {std::pair{-1.2, 1.0}, {1.0, 1.0}, {0.3, -2.5}}) {
        const double in[] = {x, y};
        double a[3], b[3], v;
        fg(in, a);
        jit(in, b);
        f(in, &v);
        for (int i = 0; i < 3; ++i) CHECK(same(a[i], b[i]));
        CHECK(same(v, b[0]));
    }
}

// GCC evaluates libm calls on constants (sin(2)) at compile time with MPFR, correctly rounded,
// where glibc may differ in the last bit; -fno-builtin keeps every call a call to glibc, as the
// JIT does. Without it, only such constant subexpressions can differ.
TEST_CASE("emit_c: 300 random expressions and gradients match the Interpreter bit for bit", "[emit_c]") {
    if (!have_cc()) {
        WARN("no system C compiler (cc): skipped");
        return;
    }
    Context ctx;
    testing::RandomExprOptions options;
    options.max_depth = 4;
    options.constants = testing::kAllConstants;
    testing::RandomExpr gen(ctx, 4242, options);
    std::vector<Expr> vars;
    for (const auto& n : options.variables) vars.push_back(ctx.symbol(n));
    std::vector<Expr> outs;
    for (int i = 0; i < 300; ++i) {
        Expr e = gen.next();
        outs.push_back(e);
        for (Expr g : gradient(e, vars)) outs.push_back(g);
    }
    std::vector<KernelSpec> ks{{"k", outs}};
    CLibrary lib(emit_c(ks, vars), "-O2 -fno-builtin");
    INFO(lib.errors());
    REQUIRE(lib.ok());
    Kernel k = lib.kernel("k");
    REQUIRE(k);
    Interpreter interp(outs, vars);
    std::size_t mismatches = 0;
    for (int rep = 0; rep < 8; ++rep) {
        Bindings b = gen.point(-3, 3);
        std::vector<double> in;
        for (Expr v : vars) in.push_back(b.count(v.name()) ? b.at(v.name()) : 0.0);
        if (rep == 0) in.assign(vars.size(), 0.0);
        std::vector<double> a(outs.size()), want(outs.size());
        k(in.data(), a.data());
        interp.run(in.data(), want.data());
        for (std::size_t o = 0; o < outs.size(); ++o) {
            if (same(a[o], want[o])) continue;
            ++mismatches;
            INFO("output " << o << ": " << to_string(outs[o]));
            CHECK(a[o] == want[o]);
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("emit_c: constants print so that C reads them back exactly", "[emit_c]") {
    Context ctx;
    Expr x = ctx.symbol("x");
    const Expr in[] = {x};
    std::vector<KernelSpec> ks{{"k", {x * ctx.real(0.1) + ctx.real(-3.0) + ctx.real(1e300) * ctx.real(INFINITY)}}};
    std::string c = emit_c(ks, in);
    CHECK(c.find("0.1;") != std::string::npos);
    CHECK(c.find("INFINITY") != std::string::npos);
    CHECK(c.find("in[0]") != std::string::npos);
}
