// Sums over constant ranges (issue 16, item 11): a body that is a polynomial in the index is
// summed in closed form, exactly where the terms are integers, so sum(i = 1..10^15, i) is
// immediate; a constant range too long for the loop and without a closed form is refused with
// the limit; a long loop stops when LoopArgs::stop is set. tests/closed_form_sums.cmake gives
// this test a ctest timeout: before closed forms it started 10^15 iterations.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

namespace {

// The value of a scalar expression without vectors through the LoopInterpreter, the
// LoopKernel too when jit is set (both must agree bit for bit), with scalars bound in order.
double run(const std::string& text, std::vector<std::pair<std::string, double>> scalars = {}, bool jit = false,
           const volatile std::sig_atomic_t* stop = nullptr) {
    Context c;
    const Expr e = parse_expr(c, text);
    Signature sig;
    std::vector<double> values;
    for (const auto& [name, v] : scalars) {
        sig.scalars.push_back(c.symbol(name));
        values.push_back(v);
    }
    const Expr outs[] = {e};
    double out = 0;
    LoopArgs args;
    args.scalars = values.data();
    args.out = &out;
    args.stop = stop;
    LoopInterpreter(outs, sig).run(args);
    if (jit) {
        double compiled = 0;
        args.out = &compiled;
        compile_loops(outs, sig)(args);
        REQUIRE(std::bit_cast<std::uint64_t>(compiled) == std::bit_cast<std::uint64_t>(out));
    }
    return out;
}

// The exact sum of p(i) over lo..hi by the obvious loop in 128-bit integers.
template <class P>
__int128 exact_sum(std::int64_t lo, std::int64_t hi, P p) {
    __int128 s = 0;
    for (std::int64_t i = lo; i <= hi; ++i) s += p(static_cast<__int128>(i));
    return s;
}

} // namespace

TEST_CASE("closed form: sum(i = 1..10^15, i) is immediate and correctly rounded", "[loops][closed-form]") {
    // 10^15*(10^15 + 1)/2 = 500000000000000500000000000000, rounded once
    REQUIRE(run("sum(i = 1..10^15, i)", {}, true) == 5.000000000000005e+29);
    REQUIRE(run("sum(i = 1..10^15, i^2 - i)", {}, true) == 3.3333333333333332e+44);
}

TEST_CASE("closed form: integer polynomials agree with the exact loop bit for bit", "[loops][closed-form]") {
    // Where every partial sum is an integer below 2^53 the loop of doubles is exact, so the
    // closed form must give the very same double.
    struct Case {
        const char* text;
        std::int64_t lo, hi;
        __int128 (*p)(__int128);
    };
    const Case cases[] = {
        {"sum(i = 1..1000, i)", 1, 1000, [](__int128 i) { return i; }},
        {"sum(i = -5..7, i^3 - 2*i)", -5, 7, [](__int128 i) { return i * i * i - 2 * i; }},
        {"sum(i = 0..0, 7)", 0, 0, [](__int128) { return __int128{7}; }},
        {"sum(i = -300..250, (i + 1)^2*(i - 3))", -300, 250, [](__int128 i) { return (i + 1) * (i + 1) * (i - 3); }},
        {"sum(i = 17..900, 3*i^4 - i^2 + 11)", 17, 900, [](__int128 i) { return 3 * i * i * i * i - i * i + 11; }},
        {"sum(i = 1..60, i^7)", 1, 60, [](__int128 i) { return i * i * i * i * i * i * i; }},
    };
    for (const Case& k : cases) {
        INFO(k.text);
        REQUIRE(run(k.text, {}, true) == static_cast<double>(exact_sum(k.lo, k.hi, k.p)));
    }
    // an empty range is 0, as before
    REQUIRE(run("sum(i = 5..4, i^2)") == 0.0);
}

TEST_CASE("closed form: rational coefficients are summed exactly and rounded once", "[loops][closed-form]") {
    // sum of i/3 over 1..100 is 5050/3: the nearest double, where the loop rounds 100 times
    REQUIRE(run("sum(i = 1..100, i/3)", {}, true) == 5050.0 / 3.0);
    REQUIRE(run("sum(i = 1..10, 0.1*i^2)", {}, true) == 38.5);
}

TEST_CASE("closed form: coefficients with other variables", "[loops][closed-form]") {
    // sum(i = 1..10^12, a*i + b) = a*S1 + b*S0 with S1 = 500000000000500000000000 (rounded)
    const double v = run("sum(i = 1..10^12, a*i + b)", {{"a", 2}, {"b", 3}}, true);
    REQUIRE(v == 2 * 5.000000000005e+23 + 3 * 1e12);
    // a bound given at run time is not constant: the loop runs (and agrees with the sum)
    REQUIRE(run("sum(i = 1..n, i^2)", {{"n", 1000}}) == 333833500.0);
}

TEST_CASE("closed form: a long constant range without one is refused, naming the limit", "[loops][closed-form]") {
    Context c;
    const Expr e = parse_expr(c, "sum(i = 1..10^10, sin(i))");
    const Expr outs[] = {e};
    REQUIRE_THROWS_WITH(LoopInterpreter(outs, Signature{}),
                        "sum over i = 1..10000000000 has 10000000000 terms, more than the limit of 1000000000 for "
                        "constant bounds (only a sum whose body is a polynomial in i is evaluated in closed form, "
                        "at any length)");
    REQUIRE_THROWS_WITH(compile_loops(outs, Signature{}), Catch::Contains("more than the limit of 1000000000"));
    // at the limit it is accepted (and not run here)
    const Expr at_limit = parse_expr(c, "sum(i = 1..10^9, sin(i))");
    const Expr ok[] = {at_limit};
    REQUIRE_NOTHROW(LoopInterpreter(ok, Signature{}));
}

TEST_CASE("closed form: LoopArgs::stop interrupts a long loop", "[loops][interrupt]") {
    volatile std::sig_atomic_t stop = 1;
    REQUIRE_THROWS_WITH(run("sum(i = 1..10^9, sin(i))", {}, false, &stop), "evaluation interrupted");
    stop = 0;
    REQUIRE(run("sum(i = 1..1000, sin(i)*0)", {}, false, &stop) == 0.0);
}
