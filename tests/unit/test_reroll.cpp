// Loop rerolling (reroll.hpp) and the JIT's rerolled kernels (JitOptions::reroll_min_terms):
// the rolled form against the Interpreter of the flat function, value and gradient, at random
// points; the compiled kernels against central differences; the sums that must not reroll.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/reroll.hpp"

using namespace symdiff;

namespace {

std::string x(std::size_t i) { return "x" + std::to_string(i); }

// sum_{i=1}^{n-1} 100*(x_{i+1} - x_i^2)^2 + (1 - x_i)^2, written out flat.
std::string ext_rosenbrock_text(std::size_t n) {
    std::string s;
    for (std::size_t i = 1; i < n; ++i) {
        if (i > 1) s += " + ";
        s += "100*(" + x(i + 1) + " - " + x(i) + "^2)^2 + (1 - " + x(i) + ")^2";
    }
    return s;
}

Expr ext_rosenbrock_made(Context& ctx, std::size_t n) {
    std::vector<Expr> terms;
    Expr two = ctx.integer(2);
    for (std::size_t i = 1; i < n; ++i) {
        Expr a = ctx.symbol(x(i)), b = ctx.symbol(x(i + 1));
        terms.push_back(ctx.integer(100) * pow(b - pow(a, two), two));
        terms.push_back(pow(ctx.integer(1) - a, two));
    }
    return ctx.add(terms);
}

std::vector<Expr> xs(Context& ctx, std::size_t n) {
    std::vector<Expr> v;
    for (std::size_t i = 1; i <= n; ++i) v.push_back(ctx.symbol(x(i)));
    return v;
}

std::vector<double> random_point(std::size_t n, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> u(-2.0, 2.0);
    std::vector<double> p(n);
    for (double& v : p) v = u(rng);
    return p;
}

bool close(double got, double want, double rel) { return std::fabs(got - want) <= rel * (1.0 + std::fabs(want)); }

// [f, ∂f/∂vars[0], ...] of the flat f by the Interpreter.
std::vector<double> flat_values(Expr f, std::span<const Expr> vars, const std::vector<double>& at) {
    Interpreter interp(value_and_gradient(f, vars), vars);
    std::vector<double> out(vars.size() + 1);
    interp.run(at.data(), out.data());
    return out;
}

// The same from the rolled form: LoopInterpreter of [f_r, vector_gradient(f_r, v) per vector],
// inputs and gradient entries spread over the vectors as reroll.hpp says.
std::vector<double> rolled_values(const Rerolled& r, const std::vector<double>& at) {
    const std::size_t n = at.size(), s = r.vectors.size();
    std::vector<Expr> outs{r.expr};
    for (Expr v : r.vectors) outs.push_back(vector_gradient(r.expr, v));
    Signature sig;
    sig.vectors = r.vectors;
    LoopInterpreter li(outs, sig);
    std::vector<std::vector<double>> vecs(s), grads(s);
    for (std::size_t j = 0; j < n; ++j) vecs[j % s].push_back(at[j]);
    std::vector<const double*> bases;
    std::vector<std::int64_t> lengths;
    std::vector<double*> out_bases;
    for (std::size_t k = 0; k < s; ++k) {
        REQUIRE(vecs[k].size() == r.lengths[k]);
        grads[k].resize(vecs[k].size());
        bases.push_back(vecs[k].data());
        lengths.push_back(static_cast<std::int64_t>(vecs[k].size()));
        out_bases.push_back(grads[k].data());
    }
    double value = 0;
    LoopArgs args;
    args.vectors = bases.data();
    args.lengths = lengths.data();
    args.out = &value;
    args.vector_out = out_bases.data();
    li.run(args);
    std::vector<double> out{value};
    for (std::size_t j = 0; j < n; ++j) out.push_back(grads[j % s][j / s]);
    return out;
}

void require_same_function(Expr f, std::span<const Expr> vars, const Rerolled& r, int points = 3) {
    std::mt19937_64 rng(42 + vars.size());
    std::vector<double> at0(vars.size(), 0.0);
    for (int p = 0; p < points; ++p) {
        std::vector<double> at = p == 0 ? at0 : random_point(vars.size(), rng);
        std::vector<double> want = flat_values(f, vars, at), got = rolled_values(r, at);
        REQUIRE(got.size() == want.size());
        for (std::size_t o = 0; o < want.size(); ++o) {
            INFO("output " << o << " at point " << p);
            CHECK(close(got[o], want[o], 1e-12));
        }
    }
}

// The compiled kernels with rerolling on (it must happen: a rolled kernel has no native batch
// function at -O3) against the Interpreter, and the gradient against central differences of
// the compiled value.
void require_rolled_kernel(Expr f, std::span<const Expr> vars, std::size_t min_terms) {
    JitOptions o{.opt_level = 3};
    o.reroll_min_terms = min_terms;
    CompiledFunction g = compile_gradient(f, vars, o);
    CompiledFunction v = compile(std::vector<Expr>{f}, vars, o);
    CHECK(g.batch_function() == nullptr);
    CHECK(v.batch_function() == nullptr);
    REQUIRE(g.outputs() == vars.size() + 1);
    std::mt19937_64 rng(7 + vars.size());
    std::vector<double> at = random_point(vars.size(), rng);
    std::vector<double> want = flat_values(f, vars, at), got(vars.size() + 1);
    g(at.data(), got.data());
    for (std::size_t o2 = 0; o2 < want.size(); ++o2) {
        INFO("output " << o2);
        CHECK(close(got[o2], want[o2], 1e-12));
    }
    double value = 0;
    v(at.data(), &value);
    CHECK(close(value, want[0], 1e-12));
    // Batch calls go row by row through the point kernel.
    std::vector<double> rows(at);
    rows.insert(rows.end(), at.begin(), at.end());
    std::vector<double> both(2 * got.size());
    g(rows.data(), 2, both.data());
    CHECK(std::equal(got.begin(), got.end(), both.begin() + static_cast<std::ptrdiff_t>(got.size())));
    for (std::size_t j = 0; j < vars.size(); j += std::max<std::size_t>(1, vars.size() / 40)) {
        const double h = 1e-4 * (1.0 + std::fabs(at[j]));
        std::vector<double> p = at, m = at;
        p[j] += h;
        m[j] -= h;
        double fp = 0, fm = 0;
        v(p.data(), &fp);
        v(m.data(), &fm);
        const double fd = (fp - fm) / (p[j] - m[j]);
        INFO("d/d" << vars[j].name() << ": " << got[j + 1] << " vs central difference " << fd);
        // Truncation (h^2 f'''/6) plus the rounding of f(x ± h) divided by 2h.
        CHECK(std::fabs(fd - got[j + 1]) <= 1e-5 * (1.0 + std::fabs(got[j + 1])) + 1e-14 * std::fabs(want[0]) / h);
    }
}

} // namespace

TEST_CASE("reroll: flat extended Rosenbrock becomes one sum over a vector", "[reroll]") {
    Context ctx;
    const std::size_t n = 50;
    Expr f = parse_expr(ctx, ext_rosenbrock_text(n));
    std::vector<Expr> vars = xs(ctx, n);
    std::optional<Rerolled> r = reroll(f, vars);
    REQUIRE(r);
    CHECK(r->vectors.size() == 1);
    CHECK(r->lengths == std::vector<std::size_t>{n});
    CHECK(r->rolled_terms == 2 * (n - 1));
    CHECK(r->loops == 1);
    CHECK(r->leftover_terms == 0);
    // Both shapes have n - 1 terms, so they share one sum, whose body is one term of each.
    Expr v = r->vectors[0], i = ctx.symbol("i");
    Expr body = ctx.integer(100) * pow(ctx.at(v, i + ctx.integer(1)) - pow(ctx.at(v, i), ctx.integer(2)), ctx.integer(2)) +
                pow(ctx.integer(1) - ctx.at(v, i), ctx.integer(2));
    CHECK(r->expr == ctx.sum(i, ctx.integer(1), ctx.integer(static_cast<std::int64_t>(n - 1)), body));
    require_same_function(f, vars, *r);
}

TEST_CASE("reroll: parsed and made extended Rosenbrock, n = 3..2000, value and gradient", "[reroll]") {
    for (std::size_t n : {3, 4, 5, 9, 10, 17, 100, 257, 1000, 2000}) {
        INFO("n = " << n);
        Context ctx;
        std::vector<Expr> vars = xs(ctx, n);
        Expr parsed = parse_expr(ctx, ext_rosenbrock_text(n));
        Expr made = ext_rosenbrock_made(ctx, n);
        REQUIRE(parsed == made);
        std::optional<Rerolled> r = reroll(made, vars, RerollOptions{.min_terms = 2});
        REQUIRE(r);
        CHECK(r->rolled_terms == 2 * (n - 1));
        require_same_function(made, vars, *r, n > 500 ? 2 : 3);
        require_rolled_kernel(made, vars, 2);
    }
}

TEST_CASE("reroll: variables in another order", "[reroll]") {
    Context ctx;
    const std::size_t n = 40;
    Expr f = parse_expr(ctx, ext_rosenbrock_text(n));
    std::vector<Expr> vars = xs(ctx, n);
    SECTION("reversed: the positions still advance by a constant stride") {
        std::reverse(vars.begin(), vars.end());
        std::optional<Rerolled> r = reroll(f, vars);
        REQUIRE(r);
        CHECK(r->rolled_terms == 2 * (n - 1));
        require_same_function(f, vars, *r);
        require_rolled_kernel(f, vars, 16);
    }
    SECTION("shuffled: no arithmetic progression, so no loop, and the flat kernel is exact") {
        std::mt19937_64 rng(3);
        std::shuffle(vars.begin(), vars.end(), rng);
        CHECK_FALSE(reroll(f, vars));
        CompiledFunction g = compile_gradient(f, vars);
        std::vector<double> at = random_point(n, rng), got(n + 1);
        g(at.data(), got.data());
        CHECK(got == flat_values(f, vars, at));
    }
}

TEST_CASE("reroll: a group, odd point terms, a scalar parameter and a constant", "[reroll]") {
    Context ctx;
    const std::size_t n = 30;
    std::string text;
    for (std::size_t i = 1; i < n; ++i) text += "(" + x(i + 1) + " - " + x(i) + ")^2 + ";
    text += "3*sin(x1) + p*" + x(n) + " + exp(p) + x7*x3 + 7";
    Expr f = parse_expr(ctx, text);
    std::vector<Expr> vars = xs(ctx, n);
    vars.push_back(ctx.symbol("p"));
    std::optional<Rerolled> r = reroll(f, vars);
    REQUIRE(r);
    CHECK(r->rolled_terms == n - 1);
    CHECK(r->loops == 1);
    CHECK(r->leftover_terms == 4);
    require_same_function(f, vars, *r);
    require_rolled_kernel(f, vars, 16);
}

TEST_CASE("reroll: two groups of different lengths make two sums", "[reroll]") {
    Context ctx;
    const std::size_t n = 25;
    std::string text;
    for (std::size_t i = 1; i < n; ++i) text += "(" + x(i + 1) + " - " + x(i) + ")^2 + ";
    for (std::size_t i = 1; i <= n; ++i) text += (i > 1 ? " + " : "") + std::string("cos(") + x(i) + ")*" + x(i);
    Expr f = parse_expr(ctx, text);
    std::vector<Expr> vars = xs(ctx, n);
    std::optional<Rerolled> r = reroll(f, vars);
    REQUIRE(r);
    CHECK(r->rolled_terms == 2 * n - 1);
    CHECK(r->loops == 2);
    CHECK(r->leftover_terms == 0);
    require_same_function(f, vars, *r);
    require_rolled_kernel(f, vars, 16);
}

TEST_CASE("reroll: terms that advance by two variables", "[reroll]") {
    Context ctx;
    for (std::size_t n : {40, 41}) {
        INFO("n = " << n);
        // sum_{i=1}^{20} (x_{2i-1} - x_{2i})^2 + x_{2i-1}^4, and x41 alone when n is odd.
        std::string text;
        for (std::size_t i = 1; 2 * i <= n; ++i)
            text += (i > 1 ? " + " : "") + std::string("(") + x(2 * i - 1) + " - " + x(2 * i) + ")^2 + " +
                    x(2 * i - 1) + "^4";
        if (n % 2) text += " + " + x(n) + "^4";
        Expr f = parse_expr(ctx, text);
        std::vector<Expr> vars = xs(ctx, n);
        std::optional<Rerolled> r = reroll(f, vars);
        REQUIRE(r);
        CHECK(r->vectors.size() == 2);
        CHECK(r->lengths == std::vector<std::size_t>{(n + 1) / 2, n / 2});
        // x41^4 extends the group of x_{2i-1}^4 to 21 terms: then two sums.
        CHECK(r->loops == (n % 2 ? 2 : 1));
        require_same_function(f, vars, *r);
        require_rolled_kernel(f, vars, 16);
    }
}

TEST_CASE("reroll: sums that must stay flat", "[reroll]") {
    Context ctx;
    std::vector<Expr> vars = xs(ctx, 64);
    auto flat = [&](const std::string& text) { return !reroll(parse_expr(ctx, text), vars).has_value(); };
    std::string s;
    SECTION("the shapes differ term to term") {
        for (std::size_t i = 1; i <= 20; ++i) s += (i > 1 ? " + " : "") + x(i) + "^" + std::to_string(i + 1);
        CHECK(flat(s));
    }
    SECTION("positions not in arithmetic progression") {
        for (std::size_t i : {1, 2, 4, 7, 11, 16, 22, 29, 37, 46, 56})
            s += (s.empty() ? "" : " + ") + std::string("sin(") + x(i) + ")";
        CHECK(flat(s));
    }
    SECTION("fewer terms than min_terms") {
        CHECK(flat(ext_rosenbrock_text(4)));
        CHECK(reroll(parse_expr(ctx, ext_rosenbrock_text(4)), vars, RerollOptions{.min_terms = 3}));
    }
    SECTION("too many point terms beside the loop") {
        for (std::size_t i = 1; i <= 20; ++i) s += "(" + x(i + 1) + " - " + x(i) + ")^2 + ";
        for (std::size_t i = 1; i <= 40; ++i) s += (i > 1 ? " + " : "") + x(i) + "^" + std::to_string(i + 1);
        CHECK(flat(s));
    }
    SECTION("a symbol that is not an input, a product, a vector") {
        for (std::size_t i = 1; i <= 20; ++i) s += "(" + x(i + 1) + " - " + x(i) + ")^2 + ";
        CHECK(flat(s + "q"));
        CHECK(flat("sin(" + s + "1)"));
        CHECK(flat(s + "y[1]"));
    }
    SECTION("an input that is not a symbol or is repeated") {
        std::string t;
        for (std::size_t i = 1; i <= 20; ++i) t += (i > 1 ? " + " : "") + std::string("(") + x(i + 1) + " - " + x(i) + ")^2";
        Expr f = parse_expr(ctx, t);
        CHECK(reroll(f, vars));
        std::vector<Expr> twice = vars;
        twice.push_back(vars[0]);
        CHECK_FALSE(reroll(f, twice));
        std::vector<Expr> with_number = vars;
        with_number.push_back(ctx.integer(2));
        CHECK_FALSE(reroll(f, with_number));
    }
}

TEST_CASE("reroll: JIT errors and options are those of the flat path", "[reroll][jit]") {
    Context ctx;
    const std::size_t n = 40;
    Expr f = parse_expr(ctx, ext_rosenbrock_text(n) + " + z");
    std::vector<Expr> vars = xs(ctx, n);
    CHECK_THROWS_WITH(compile_gradient(f, vars), "unknown variable 'z'");
    Expr g = parse_expr(ctx, ext_rosenbrock_text(n));
    CHECK_THROWS_WITH(compile_gradient(g, vars, JitOptions{.opt_level = 4}), "optimisation level must be 0..3, got 4");
    // Off: the flat kernel, bit for bit the Interpreter's.
    JitOptions off{.opt_level = 3};
    off.reroll_min_terms = 0;
    CompiledFunction k = compile_gradient(g, vars, off);
    CHECK(k.batch_function() != nullptr);
    std::mt19937_64 rng(5);
    std::vector<double> at = random_point(n, rng), got(n + 1);
    k(at.data(), got.data());
    CHECK(got == flat_values(g, vars, at));
    for (int level = 0; level <= 3; ++level) {
        JitOptions on{.opt_level = level};
        CompiledFunction r = compile_gradient(g, vars, on);
        std::vector<double> rolled(n + 1);
        r(at.data(), rolled.data());
        for (std::size_t o = 0; o <= n; ++o) CHECK(close(rolled[o], got[o], 1e-12));
    }
}
