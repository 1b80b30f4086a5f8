// Property: an output's value does not depend on the other outputs computed with it. Each
// output of a multi-output Interpreter, LoopInterpreter or JIT kernel is bit for bit
// evaluate() of that output alone, as eval.hpp promises, for lists of related expressions:
// an expression, its partial derivatives, its subexpressions and sums of exponentials built
// from them, which share nodes the stable rewrite of exponentials (lib/eval/stable.*) could
// treat differently depending on what else is in the list. A fuzzer found
// [e + exp(x*(e + e*x)), (e + 2*e*x)*exp(x*(e + e*x))], whose second item came out one bit
// off beside the first.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

namespace {

bool same(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// A pool of related expressions: f, its partials, some of its subexpressions, and
// exponentials and sums of exponentials of those, so that lists drawn from the pool share
// nodes and hold log-sum-exps, softmax ratios and products of exp with sums.
std::vector<Expr> related(testing::RandomExpr& gen, Context& ctx, const std::vector<Expr>& vars) {
    std::vector<Expr> pool;
    Expr f = gen.next();
    pool.push_back(f);
    for (Expr g : gradient(f, vars)) pool.push_back(g);
    for (std::size_t k = 0; k < f.size(); ++k) pool.push_back(f[k]);
    const std::size_t base = pool.size();
    for (std::size_t n = 0; n < 4; ++n) {
        Expr a = pool[gen.below(base)];
        Expr b = pool[gen.below(base)];
        Expr ea = ctx.call(Op::Exp, {a});
        Expr eb = ctx.call(Op::Exp, {b});
        switch (gen.below(5)) {
        case 0: pool.push_back(ctx.add({ctx.e(), ea})); break;
        case 1: pool.push_back(ctx.mul({b, ea})); break;
        case 2: pool.push_back(ctx.call(Op::Log, {ctx.add({ea, eb})})); break;
        case 3: pool.push_back(ctx.div(ea, ctx.add({ea, eb, ctx.integer(1)}))); break;
        default: pool.push_back(ctx.add({ea, ctx.mul({ctx.integer(2), eb})})); break;
        }
        pool.push_back(gradient(pool.back(), vars)[gen.below(vars.size())]);
    }
    return pool;
}

struct Totals {
    std::size_t lists = 0, compared = 0;
};

void check_lists(std::uint64_t seed, int pools, bool jit, Totals& totals) {
    Context ctx;
    testing::RandomExprOptions options;
    options.max_depth = 3;
    options.variables = {"x", "y"};
    // Mostly the ops the stable rewrite looks at, and a few others.
    options.ops = {Op::Add, Op::Mul, Op::Pow, Op::Exp, Op::Exp, Op::Log, Op::Sin, Op::Tanh, Op::Sigmoid};
    testing::RandomExpr gen(ctx, seed, options);
    const std::vector<Expr> vars = gen.variables();
    for (int p = 0; p < pools; ++p) {
        const std::vector<Expr> pool = related(gen, ctx, vars);
        std::vector<Bindings> points{{{"x", -2.0}, {"y", 0.5}}, {{"x", 1.5}, {"y", -1.0}}};
        for (int k = 0; k < 3; ++k) points.push_back(gen.point(-3, 3));
        for (int l = 0; l < 6; ++l) {
            std::vector<Expr> list;
            for (std::size_t n = 2 + gen.below(4); n > 0; --n) list.push_back(pool[gen.below(pool.size())]);
            Interpreter interp(list, vars);
            std::optional<CompiledFunction> kernel;
            if (jit) kernel.emplace(compile(list, vars));
            Signature sig{vars, {}};
            LoopInterpreter loops(list, sig);
            ++totals.lists;
            for (const Bindings& at : points) {
                const double in[2] = {at.at("x"), at.at("y")};
                std::vector<double> got(list.size()), got_loops(list.size()), got_jit(list.size());
                interp.run(in, got.data());
                LoopArgs args;
                args.scalars = in;
                args.out = got_loops.data();
                loops.run(args);
                if (kernel) (*kernel)(in, got_jit.data());
                for (std::size_t o = 0; o < list.size(); ++o) {
                    const double alone = evaluate(list[o], at);
                    ++totals.compared;
                    INFO("seed " << seed << ", pool " << p << ", x = " << in[0] << ", y = " << in[1]);
                    std::string items;
                    for (Expr e : list) items += "\n  " + to_string(e);
                    INFO("outputs:" << items);
                    INFO("output " << o << " alone: " << alone);
                    if (!same(got[o], alone)) CHECK(got[o] == alone);
                    if (!same(got_loops[o], alone)) CHECK(got_loops[o] == alone);
                    if (kernel && !same(got_jit[o], alone)) CHECK(got_jit[o] == alone);
                }
            }
        }
    }
}

} // namespace

TEST_CASE("outputs: the fuzzer's pair gives each item its value alone", "[eval][property]") {
    Context ctx;
    Expr x = ctx.symbol("x");
    Expr u = ctx.call(Op::Exp, {x * (ctx.e() + ctx.e() * x)});
    Expr first = ctx.e() + u;
    Expr second = (ctx.e() + ctx.integer(2) * ctx.e() * x) * u;
    const Bindings at{{"x", -2.0}};
    const double alone = evaluate(second, at);
    const std::vector<Expr> outputs{first, second}, in{x};
    const double xs[1] = {-2.0};
    double out[2];
    Interpreter(outputs, in).run(xs, out);
    CHECK(std::bit_cast<std::uint64_t>(out[1]) == std::bit_cast<std::uint64_t>(alone));
    CHECK(std::bit_cast<std::uint64_t>(out[0]) == std::bit_cast<std::uint64_t>(evaluate(first, at)));
    compile(outputs, in)(xs, out);
    CHECK(std::bit_cast<std::uint64_t>(out[1]) == std::bit_cast<std::uint64_t>(alone));
}

TEST_CASE("outputs: random lists of related expressions, interpreters against evaluate()", "[eval][property]") {
    Totals totals;
    check_lists(20261207, 300, false, totals);
    CHECK(totals.lists == 300 * 6);
}

TEST_CASE("outputs: random lists of related expressions, JIT against evaluate()", "[jit][property]") {
    Totals totals;
    check_lists(15, 40, true, totals);
    CHECK(totals.lists == 40 * 6);
}
