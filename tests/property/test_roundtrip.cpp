// Printing round-trips: for random expressions of every op, parse(to_string(e)) is the very
// node e, in plain text and in unicode; likewise for random sums and means (the generator of
// random_expr.hpp leaves them out: they need bound indices and vectors, drawn here). Set SYMDIFF_SEED to replay or vary the sequence; a
// failure reports the seed and the index of the expression.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

namespace {

std::uint64_t base_seed() {
    if (const char* s = std::getenv("SYMDIFF_SEED")) return std::strtoull(s, nullptr, 10);
    return 0x5eed2026;
}

// Parses `text` and compares with `e`; on failure says everything needed to reproduce.
void check_round_trip(Context& ctx, Expr e, Format format, std::uint64_t seed, int index) {
    std::string printed = to_string(e, format);
    INFO("seed " << seed << ", expression " << index << " (" << format_name(format) << ")\n  stored:  " << to_sexpr(e)
                 << "\n  printed: " << printed);
    Expr back;
    try {
        back = parse_expr(ctx, printed);
    } catch (const Error& err) {
        FAIL("the printed form does not parse: " << err.diagnostic().render());
    }
    INFO("  parsed:  " << to_sexpr(back));
    REQUIRE(back == e);
}

void run(const testing::RandomExprOptions& opt, std::uint64_t seed, int count) {
    Context ctx;
    testing::RandomExpr gen(ctx, seed, opt);
    for (int i = 0; i < count; ++i) {
        Expr e = gen.next();
        check_round_trip(ctx, e, Format::Text, seed, i);
        check_round_trip(ctx, e, Format::Unicode, seed, i);
    }
}

} // namespace

TEST_CASE("roundtrip: every op, every kind of constant", "[roundtrip][print][parse]") {
    testing::RandomExprOptions opt;
    opt.max_depth = 6;
    opt.constants = testing::kAllConstants;
    opt.lists = true;
    run(opt, base_seed(), 5000);
}

TEST_CASE("roundtrip: shallow expressions over many seeds", "[roundtrip][print][parse]") {
    testing::RandomExprOptions opt;
    opt.max_depth = 3;
    opt.constants = testing::kAllConstants;
    for (std::uint64_t s = 0; s < 40; ++s) run(opt, base_seed() + 1000 + s, 100);
}

TEST_CASE("roundtrip: smooth expressions as the derivative tests draw them", "[roundtrip][print][parse]") {
    testing::RandomExprOptions opt;
    opt.max_depth = 5;
    opt.smooth = true;
    run(opt, base_seed() + 7, 2000);
}

namespace {

// Whether the C format writes every constant of e exactly: not π (the double
// 3.141592653589793), nor a rational such as 1/3 that has no short decimal (0.3333333333333333
// reads back as another rational).
bool c_constants_exact(Context& ctx, Expr e) {
    if (e.is(Op::Pi)) return false;
    if (e.is_number()) return parse_expr(ctx, to_string(e, Format::C)) == e;
    for (std::size_t i = 0; i < e.size(); ++i)
        if (!c_constants_exact(ctx, e[i])) return false;
    return true;
}

} // namespace

// The C format is for a C compiler, but where it writes calls (pow, fabs, sqrt, exp, …) it
// reads back too: over the ops it does not spell as formulas (sigmoid, relu, softplus,
// heaviside, sign, max, min) and with constants it writes exactly, the C form parses to the
// same node.
TEST_CASE("roundtrip: the C format reads back where it writes calls", "[roundtrip][print][parse]") {
    testing::RandomExprOptions opt;
    opt.max_depth = 5;
    opt.constants = testing::kIntegers | testing::kNegative;
    opt.ops = {Op::Add, Op::Mul,  Op::Pow,  Op::Exp,   Op::Log,   Op::Sin,   Op::Cos,  Op::Tan,  Op::Asin,
               Op::Acos, Op::Atan, Op::Atan2, Op::Sinh, Op::Cosh, Op::Tanh, Op::Asinh, Op::Acosh, Op::Atanh,
               Op::Abs, Op::Cbrt, Op::Erf};
    Context ctx;
    std::uint64_t seed = base_seed() + 23;
    testing::RandomExpr gen(ctx, seed, opt);
    int checked = 0;
    for (int i = 0; i < 3000; ++i) {
        Expr e = gen.next();
        if (!c_constants_exact(ctx, e)) continue;
        check_round_trip(ctx, e, Format::C, seed, i);
        ++checked;
    }
    CHECK(checked >= 2000);
}

TEST_CASE("roundtrip: pow(a, b) and fabs(a), as C writes them, read as a^b and abs(a)", "[roundtrip][parse]") {
    Context ctx;
    CHECK(parse_expr(ctx, "pow(x, 2)") == parse_expr(ctx, "x^2"));
    CHECK(parse_expr(ctx, "pow(x, 2.0) - 3.0*x") == parse_expr(ctx, "x^2 - 3*x"));
    CHECK(parse_expr(ctx, "pow(a, b)") == parse_expr(ctx, "a^b"));
    CHECK(parse_expr(ctx, "pow(pow(x, y), z)") == parse_expr(ctx, "(x^y)^z"));
    CHECK(parse_expr(ctx, "fabs(x - 1)") == parse_expr(ctx, "abs(x - 1)"));
    CHECK_THROWS_WITH(parse_expr(ctx, "pow(x)"), "pow takes 2 arguments, got 1");
}

TEST_CASE("roundtrip: algebra only, where re-sugaring does the most", "[roundtrip][print][parse]") {
    testing::RandomExprOptions opt;
    opt.max_depth = 6;
    opt.ops = {Op::Add, Op::Mul, Op::Pow};
    run(opt, base_seed() + 11, 3000);
}

namespace {

// Random reductions as the parser builds them: sums over i of bodies that read x[i + c], the
// index itself and parameters; means over an index; sums and means over the data rows of
// bodies over parameters and columns (and x[1]); combined by arithmetic and functions.
class RandomReduction {
public:
    RandomReduction(Context& ctx, std::uint64_t seed) : ctx_(ctx), seed_(seed) {
        testing::RandomExprOptions index_body;
        index_body.max_depth = 3;
        index_body.variables = {"a", "b", "u", "i"};
        index_body.constants = testing::kAllConstants;
        index_gen_.emplace(ctx, seed, index_body);
        testing::RandomExprOptions row_body = index_body;
        row_body.variables = {"a", "b", "v", "w", "u"};
        row_gen_.emplace(ctx, seed ^ 0x9e3779b97f4a7c15ull, row_body);
    }

    Expr next() {
        Expr e = reduction();
        switch (index_gen_->below(4)) {
        case 0: return e;
        case 1: return ctx_.add({e, reduction()});
        case 2: return ctx_.mul({e, ctx_.pow(reduction(), ctx_.integer(-1))});
        default: return ctx_.call(Op::Log, {ctx_.add({ctx_.integer(1), ctx_.pow(e, ctx_.integer(2))})});
        }
    }

private:
    Expr reduction() {
        Expr x = ctx_.symbol("x"), i = ctx_.symbol("i"), n = ctx_.symbol("n"), u = ctx_.symbol("u");
        std::uint64_t kind = index_gen_->below(4);
        if (kind < 2) {
            // u stands for x[i + c] wherever the body reads it; several reads share c.
            Expr body = index_gen_->next();
            std::int64_t c = static_cast<std::int64_t>(index_gen_->below(5)) - 2;
            body = substitute(body, std::vector<std::pair<Expr, Expr>>{{u, ctx_.at(x, ctx_.add({i, ctx_.integer(c)}))}});
            Expr lo = ctx_.integer(static_cast<std::int64_t>(index_gen_->below(3)));
            Expr his[] = {n, ctx_.sub(n, ctx_.integer(1)), ctx_.len(x), ctx_.integer(5)};
            Expr hi = his[index_gen_->below(4)];
            Expr s = ctx_.sum(i, lo, hi, body);
            if (kind == 1) s = ctx_.div(s, ctx_.add({hi, ctx_.neg(lo), ctx_.integer(1)}));  // mean(i = lo..hi, body)
            return s;
        }
        Expr body = substitute(row_gen_->next(), std::vector<std::pair<Expr, Expr>>{{u, ctx_.at(x, ctx_.integer(1))}});
        return kind == 2 ? ctx_.row_sum(body) : ctx_.row_mean(body);
    }

    Context& ctx_;
    std::uint64_t seed_;
    std::optional<testing::RandomExpr> index_gen_, row_gen_;
};

} // namespace

TEST_CASE("roundtrip: sums and means over indices and data rows", "[roundtrip][print][parse][vectors]") {
    Context ctx;
    std::uint64_t seed = base_seed() + 23;
    RandomReduction gen(ctx, seed);
    for (int i = 0; i < 3000; ++i) {
        Expr e = gen.next();
        check_round_trip(ctx, e, Format::Text, seed, i);
        check_round_trip(ctx, e, Format::Unicode, seed, i);
    }
}
