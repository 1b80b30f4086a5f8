// Numbers: exact rationals where they fit, canonical doubles otherwise, shortest printing.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "symdiff/number.hpp"

using symdiff::Number;

TEST_CASE("number: decimal literals are exact when their digits fit", "[number]") {
    REQUIRE(*Number::from_decimal("2.5") == Number::rational(5, 2));
    REQUIRE(*Number::from_decimal(".5") == Number::rational(1, 2));
    REQUIRE(*Number::from_decimal("1e-3") == Number::rational(1, 1000));
    REQUIRE(*Number::from_decimal("1.50000000000000000000000000") == Number::rational(3, 2));
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
    REQUIRE(Number::from_double(0.5) == Number::rational(1, 2));
    REQUIRE(Number::from_double(-0.25) == Number::rational(-1, 4));
    REQUIRE(Number::from_double(-0.0) == Number::integer(0));
    REQUIRE(Number::rational(1, 3).to_string() == "1/3");
    REQUIRE(Number::rational(-5, 2).to_string() == "-2.5");
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
