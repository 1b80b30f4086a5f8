// Numbers: exact rationals where they fit, canonical doubles otherwise, shortest printing.
#include <catch2/catch.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include "symdiff/number.hpp"

using symdiff::Number;

TEST_CASE("number: decimal literals are exact when their digits fit", "[number]") {
    REQUIRE(*Number::from_decimal("2.5") == Number::decimal(5, 2));
    REQUIRE(*Number::from_decimal(".5") == Number::decimal(1, 2));
    REQUIRE(*Number::from_decimal("1e-3") == Number::decimal(1, 1000));
    REQUIRE(*Number::from_decimal("1.50000000000000000000000000") == Number::decimal(3, 2));
    REQUIRE(*Number::from_decimal("0012") == Number::integer(12));
    REQUIRE(Number::from_decimal("0.1")->value() == 0.1);
    REQUIRE_FALSE(Number::from_decimal("1e308")->is_exact());
    REQUIRE(Number::from_decimal("1e308")->value() == 1e308);
    REQUIRE(std::isinf(Number::from_decimal("1e999999999999")->value()));
    REQUIRE(Number::from_decimal("1e-999999")->is_zero());
    REQUIRE_FALSE(Number::from_decimal("1e").has_value());
    REQUIRE_FALSE(Number::from_decimal(".").has_value());
    REQUIRE_FALSE(Number::from_decimal("1.2.3").has_value());
    REQUIRE_FALSE(Number::from_decimal("").has_value());
}

TEST_CASE("number: overlong literals round correctly", "[number]") {
    std::string digits(5000, '3');
    auto n = Number::from_decimal("0." + digits);
    REQUIRE(n);
    REQUIRE(n->value() == 1.0 / 3.0);
    auto big = Number::from_decimal(std::string(400, '9'));
    REQUIRE(std::isinf(big->value()));
}

TEST_CASE("number: exact arithmetic and its fallbacks", "[number]") {
    REQUIRE(Number::rational(1, 3) + Number::rational(1, 6) == Number::rational(1, 2));
    REQUIRE(Number::rational(2, 4) == Number::rational(1, 2));
    REQUIRE(Number::rational(1, -2) == Number::rational(-1, 2));
    REQUIRE((Number::integer(1) / Number::integer(0)).value() == std::numeric_limits<double>::infinity());
    REQUIRE(std::isnan((Number::integer(0) / Number::integer(0)).value()));
    Number big = Number::integer(std::int64_t{1} << 52);
    Number prod = big * big;  // leaves the exact range
    REQUIRE_FALSE(prod.is_exact());
    REQUIRE(prod.value() == std::ldexp(1.0, 104));
    REQUIRE(*Number::pow(Number::integer(2), Number::integer(10)) == Number::integer(1024));
    REQUIRE(*Number::pow(Number::integer(2), Number::integer(-2)) == Number::rational(1, 4));
    REQUIRE(*Number::pow(Number::rational(9, 4), Number::rational(1, 2)) == Number::rational(3, 2));
    REQUIRE_FALSE(Number::pow(Number::integer(2), Number::rational(1, 2)).has_value());
    REQUIRE_FALSE(Number::pow(Number::integer(-8), Number::rational(1, 3)).has_value());
    REQUIRE(Number::pow(Number::integer(0), Number::integer(-1))->value() == std::numeric_limits<double>::infinity());
}

TEST_CASE("number: from_double is canonical and printing round-trips", "[number]") {
    REQUIRE(Number::from_double(0.5) == Number::decimal(1, 2));
    REQUIRE(Number::from_double(-0.25) == Number::decimal(-1, 4));
    REQUIRE(Number::from_double(-0.0) == Number::integer(0));
    REQUIRE(Number::rational(1, 3).to_string() == "1/3");
    REQUIRE(Number::decimal(-5, 2).to_string() == "-2.5");
    REQUIRE(Number::rational(-5, 2).to_string() == "-5/2");
    REQUIRE(Number::integer(-7).to_string() == "-7");
    REQUIRE(Number::from_double(1e300).to_string() == "1e+300");
    REQUIRE(Number::from_double(std::nan("")).to_string() == "nan");
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(-1e6, 1e6);
    for (int i = 0; i < 10000; ++i) {
        double v = u(rng) * std::pow(10.0, static_cast<double>(static_cast<int>(rng() % 40) - 20));
        Number n = Number::from_double(v);
        REQUIRE(n.value() == v);
        std::string text = n.to_string();
        std::string magnitude = text[0] == '-' ? text.substr(1) : text;
        auto back = Number::from_decimal(magnitude);
        if (!back) {  // p/q form
            auto slash = magnitude.find('/');
            REQUIRE(slash != std::string::npos);
            back = *Number::from_decimal(magnitude.substr(0, slash)) / *Number::from_decimal(magnitude.substr(slash + 1));
        }
        if (text[0] == '-') back = -*back;
        REQUIRE(*back == n);
    }
}

TEST_CASE("number: shortest_double writes plain digits from 1e-4 to 1e16", "[number]") {
    using symdiff::shortest_double;
    CHECK(shortest_double(500000) == "500000");
    CHECK(shortest_double(-2500000) == "-2500000");
    CHECK(shortest_double(1e15) == "1000000000000000");
    CHECK(shortest_double(123456.789) == "123456.789");
    CHECK(shortest_double(0.0001) == "0.0001");
    CHECK(shortest_double(-0.0003) == "-0.0003");
    CHECK(shortest_double(0.1 + 0.2) == "0.30000000000000004");
    CHECK(shortest_double(1e16) == "1e+16");
    CHECK(shortest_double(1e-5) == "1e-05");
    CHECK(shortest_double(1.5e-7) == "1.5e-07");
    CHECK(shortest_double(1e300) == "1e+300");
    CHECK(Number::decimal(1, 10000).to_string() == "0.0001");
    std::mt19937_64 rng(11);
    for (int i = 0; i < 20000; ++i) {
        double v = std::bit_cast<double>(rng());
        if (!std::isfinite(v)) continue;
        if (i % 2 == 0) v = std::ldexp(std::fabs(v) / std::ldexp(1.0, std::ilogb(v)), static_cast<int>(rng() % 80) - 30);
        const std::string text = shortest_double(v);
        INFO(text);
        REQUIRE(std::strtod(text.c_str(), nullptr) == v);
        const double m = std::fabs(v);
        CHECK((text.find('e') == std::string::npos) == (m >= 1e-4 && m < 1e16));
        // Never longer than the shortest digits in the exponent form need plus the zeros of the
        // plain form.
        char sci[64];
        const auto end = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific).ptr;
        CHECK(text.size() <= static_cast<std::size_t>(end - sci) + 20);
    }
}

namespace {

// The exact decimal expansion of p / 2^k, which always ends.
std::string dyadic_decimal(std::uint64_t p, int k) {
    std::string s = std::to_string(p >> k) + ".";
    std::uint64_t rest = p & ((std::uint64_t{1} << k) - 1);
    do {
        rest *= 10;
        s += static_cast<char>('0' + (rest >> k));
        rest &= (std::uint64_t{1} << k) - 1;
    } while (rest != 0);
    return s;
}

} // namespace

TEST_CASE("number: every spelling of one value is the same Number", "[number]") {
    const std::string zeros(40, '0');
    // Exact values, however many digits they are written with.
    CHECK(*Number::from_decimal("0.5" + zeros) == Number::decimal(1, 2));
    CHECK(*Number::from_decimal("5" + zeros + "e-41") == Number::decimal(1, 2));
    CHECK(*Number::from_decimal("1.0012000000000002" + zeros) == Number::rational(5006000000000001, 5000000000000000));
    CHECK(*Number::from_decimal("10012000000000002" + zeros + "e-56") ==
          Number::rational(5006000000000001, 5000000000000000));
    CHECK(*Number::from_decimal("1.1102230246251565404236316680908203125e-16") ==
          Number::rational(1, std::int64_t{1} << 53));
    CHECK(*Number::from_decimal("0.00000000000000011102230246251565404236316680908203125") ==
          Number::rational(1, std::int64_t{1} << 53));
    CHECK(*Number::from_decimal("00000000000000000000000000000000000000000000000000000012.5") ==
          Number::decimal(25, 2));
    CHECK(*Number::from_decimal("1" + zeros + "e-40") == Number::integer(1));
    CHECK(*Number::from_decimal("0" + zeros + "e99") == Number::integer(0));
    // Inexact ones are the canonical Number of their double: 0.1 and a spelling that rounds to
    // the same double are one node.
    CHECK(*Number::from_decimal("0.1000000000000000000000000000001") == Number::from_double(0.1));
    CHECK(*Number::from_decimal("0.10000000000000000001") == Number::decimal(1, 10));
    CHECK(*Number::from_decimal("0." + std::string(60, '3')) == Number::from_double(1.0 / 3.0));
    const Number third = *Number::from_decimal("0." + std::string(60, '3'));
    CHECK(Number::from_double(third.value()) == third);
    // Not in range: 1 / 2^54 stays a double.
    CHECK_FALSE(Number::from_decimal("5.5511151231257827021181583404541015625e-17")->is_exact());
    // Small decimals ending in 5 leave a denominator 2^k · 5^j far past 128 bits; they are
    // doubles, and finding that out must not overflow (UBSan watches this).
    for (const char* text : {"1.2345e-40", "2.5e-50", "5e-53", "7.5e-38", "1.5e-45"}) {
        INFO(text);
        const Number n = *Number::from_decimal(text);
        CHECK_FALSE(n.is_exact());
        CHECK(n.value() == std::strtod(text, nullptr));
        CHECK(Number::from_double(n.value()) == n);
    }

    std::mt19937_64 rng(3);
    for (int i = 0; i < 3000; ++i) {
        // p / 2^k in range, written out in full (up to 53 fraction digits).
        const int k = static_cast<int>(rng() % 54);
        const std::uint64_t p = (rng() >> 11) | 1; // odd, below 2^53
        const std::string text = dyadic_decimal(p, k);
        INFO(text);
        const Number n = *Number::from_decimal(text);
        const Number expected = Number::decimal(static_cast<std::int64_t>(p), std::int64_t{1} << k);
        CHECK(n == expected);
        CHECK(*Number::from_decimal(text + zeros) == expected);

        // A double's shortest text, and the same with trailing zeros, leading zeros and the
        // point moved into the exponent, are one Number: from_double's.
        const double v = std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 120) - 90);
        const Number canonical = Number::from_double(v);
        std::string s = symdiff::shortest_double(v);
        INFO(s);
        CHECK(*Number::from_decimal(s) == canonical);
        std::string mantissa = s.substr(0, s.find('e'));
        const std::string exponent = s.find('e') == std::string::npos ? "" : s.substr(s.find('e'));
        if (mantissa.find('.') == std::string::npos) mantissa += ".";
        CHECK(*Number::from_decimal("000" + mantissa + zeros + exponent) == canonical);
        const long long e = exponent.empty() ? 0 : std::stoll(exponent.substr(1));
        std::string digits = mantissa;
        const std::size_t point = digits.find('.');
        const long long fraction = static_cast<long long>(digits.size() - point - 1);
        digits.erase(point, 1);
        CHECK(*Number::from_decimal(digits + zeros + "e" + std::to_string(e - fraction - 40)) == canonical);
    }
}

TEST_CASE("number: exact numbers keep their spelling, a decimal or a fraction", "[number]") {
    // The same value, two Numbers: what the user typed and what exact arithmetic made.
    const Number typed = *Number::from_decimal("0.5"), made = Number::rational(1, 2);
    CHECK(typed.is_decimal());
    CHECK_FALSE(made.is_decimal());
    CHECK_FALSE(typed == made);
    CHECK(typed.same_value(made));
    CHECK(typed.hash() == made.hash());
    CHECK(less(made, typed));
    CHECK_FALSE(less(typed, made));
    CHECK(typed.to_string() == "0.5");
    CHECK(made.to_string() == "1/2");
    CHECK(Number::rational(-3, 2).to_string() == "-3/2");
    CHECK((-typed).to_string() == "-0.5");
    // A decimal operand makes a decimal, where the result has one that reads back exactly.
    CHECK((typed * Number::integer(3)).to_string() == "1.5");
    CHECK((typed + Number::rational(1, 4)).to_string() == "0.75");
    CHECK((typed / Number::integer(3)).to_string() == "1/6");
    CHECK((made * Number::integer(3)).to_string() == "3/2");
    CHECK((typed * Number::integer(2)) == Number::integer(1)); // integers have no spelling
    CHECK(Number::pow(typed, Number::integer(2))->to_string() == "0.25");
    CHECK(Number::pow(made, Number::integer(2))->to_string() == "1/4");
    // 16 and 17 significant digits are a decimal only when the text reads back to the rational.
    CHECK(Number::decimal(1234567890123456, 1000000000000000).to_string() == "1.234567890123456");
    CHECK_FALSE(Number::decimal(5006000000000001, 5000000000000000).is_decimal());
    CHECK_FALSE(Number::decimal(1, 3).is_decimal());
    CHECK_FALSE(Number::decimal(std::int64_t{1}, std::int64_t{1} << 53).is_decimal());
    // Every exact Number's text reads back to it: the decimal through from_decimal, the
    // fraction as p/q.
    std::mt19937_64 rng(5);
    for (int i = 0; i < 5000; ++i) {
        const std::int64_t p = static_cast<std::int64_t>(rng() % 2000001) - 1000000;
        const std::int64_t q = std::int64_t{1} << (rng() % 12);
        for (const Number n : {Number::rational(p, q * (1 + static_cast<std::int64_t>(rng() % 3) * 4)), Number::decimal(p, q)}) {
            const std::string text = n.to_string();
            INFO(text);
            const bool neg = text[0] == '-';
            const std::string mag = neg ? text.substr(1) : text;
            const std::size_t slash = mag.find('/');
            Number back = slash == std::string::npos
                              ? *Number::from_decimal(mag)
                              : *Number::from_decimal(mag.substr(0, slash)) / *Number::from_decimal(mag.substr(slash + 1));
            if (neg) back = -back;
            CHECK(back == n);
        }
    }
}
