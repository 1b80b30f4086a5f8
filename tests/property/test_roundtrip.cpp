// Printing round-trips: for random expressions of every op, parse(to_string(e)) is the very
// node e, in plain text and in unicode. Set SYMDIFF_SEED to replay or vary the sequence; a
// failure reports the seed and the index of the expression.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

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

TEST_CASE("roundtrip: algebra only, where re-sugaring does the most", "[roundtrip][print][parse]") {
    testing::RandomExprOptions opt;
    opt.max_depth = 6;
    opt.ops = {Op::Add, Op::Mul, Op::Pow};
    run(opt, base_seed() + 11, 3000);
}
