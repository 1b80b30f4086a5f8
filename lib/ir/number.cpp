// Exact-rational-or-double constants: arithmetic, canonical form and shortest printing.
#include "symdiff/number.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <string>

#include "ir/hash.hpp"

namespace symdiff {
namespace {

using i128 = __int128;

// Beyond 2^53 an integer no longer converts to double exactly, and p/q would round twice.
constexpr std::int64_t kExactLimit = std::int64_t{1} << 53;

bool fits(i128 v) { return v >= -i128{kExactLimit} && v <= i128{kExactLimit}; }

i128 gcd128(i128 a, i128 b) {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b != 0) {
        i128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

using detail::mix;

} // namespace

// Builds an exact rational from a 128-bit fraction if it reduces into range; otherwise the
// double nearest to the (possibly already rounded) quotient.
static Number make_fraction(i128 p, i128 q) {
    if (q == 0) return Number::from_double(static_cast<double>(p) / 0.0);
    if (q < 0) {
        p = -p;
        q = -q;
    }
    i128 g = gcd128(p, q);
    if (g > 1) {
        p /= g;
        q /= g;
    }
    if (fits(p) && fits(q)) return Number::rational(static_cast<std::int64_t>(p), static_cast<std::int64_t>(q));
    return Number::from_double(static_cast<double>(p) / static_cast<double>(q));
}

Number Number::integer(std::int64_t n) {
    if (!fits(n)) return from_double(static_cast<double>(n));
    Number r;
    r.num_ = n;
    r.den_ = 1;
    r.value_ = static_cast<double>(n);
    r.exact_ = true;
    return r;
}

Number Number::rational(std::int64_t p, std::int64_t q) {
    if (q == 0) return from_double(static_cast<double>(p) / 0.0);
    i128 pp = p, qq = q;
    if (qq < 0) {
        pp = -pp;
        qq = -qq;
    }
    i128 g = gcd128(pp, qq);
    if (g > 1) {
        pp /= g;
        qq /= g;
    }
    if (!fits(pp) || !fits(qq)) return from_double(static_cast<double>(pp) / static_cast<double>(qq));
    Number r;
    r.num_ = static_cast<std::int64_t>(pp);
    r.den_ = static_cast<std::int64_t>(qq);
    r.value_ = static_cast<double>(r.num_) / static_cast<double>(r.den_);
    r.exact_ = true;
    return r;
}

Number Number::from_double(double v) {
    if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) <= static_cast<double>(kExactLimit))
        return integer(static_cast<std::int64_t>(v));
    if (std::isfinite(v)) {
        // from_decimal takes no sign: canonicalise the magnitude and negate.
        if (v < 0) {
            Number m = from_double(-v);
            if (m.exact_) return rational(-m.num_, m.den_);
        } else if (auto n = from_decimal(shortest_double(v)); n && n->exact_) {
            return *n;
        }
    }
    Number r;
    r.exact_ = false;
    r.value_ = v;
    r.num_ = 0;
    r.den_ = 0;
    return r;
}

std::optional<Number> Number::from_decimal(std::string_view text) {
    // digits [ '.' digits ] [ (e|E) [+-] digits ], with at least one mantissa digit.
    std::size_t i = 0, n = text.size();
    i128 mant = 0;
    bool mant_overflow = false;
    long long exp10 = 0; // value = mant * 10^exp10 (when no overflow)
    int digits = 0;
    auto take_digit = [&](char c, bool after_point) {
        ++digits;
        if (mant_overflow) {
            if (!after_point) ++exp10; // dropped integer digit still scales
            return;
        }
        if (mant > i128{1} << 100) {
            mant_overflow = true;
            if (!after_point) ++exp10;
            return;
        }
        mant = mant * 10 + (c - '0');
        if (after_point) --exp10;
    };
    while (i < n && text[i] >= '0' && text[i] <= '9') take_digit(text[i++], false);
    if (i < n && text[i] == '.') {
        ++i;
        while (i < n && text[i] >= '0' && text[i] <= '9') take_digit(text[i++], true);
    }
    if (digits == 0) return std::nullopt;
    long long e = 0;
    bool e_overflow = false;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool neg = false;
        if (i < n && (text[i] == '+' || text[i] == '-')) neg = text[i++] == '-';
        std::size_t start = i;
        while (i < n && text[i] >= '0' && text[i] <= '9') {
            if (e < 1'000'000'000) e = e * 10 + (text[i] - '0');
            else e_overflow = true;
            ++i;
        }
        if (i == start) return std::nullopt;
        if (neg) e = -e;
    }
    if (i != n) return std::nullopt;

    if (!mant_overflow && !e_overflow) {
        long long k = exp10 + e;
        i128 p = mant, q = 1;
        // Trailing zeros of the mantissa are powers of ten we can move into the exponent.
        while (p != 0 && p % 10 == 0 && k < 0) {
            p /= 10;
            ++k;
        }
        if (p == 0) return integer(0);
        bool ok = true;
        for (long long j = 0; j < k && ok; ++j) {
            p *= 10;
            ok = fits(p);
        }
        for (long long j = 0; j < -k && ok; ++j) {
            q *= 10;
            ok = q <= (i128{1} << 80);
        }
        if (ok) {
            i128 g = gcd128(p, q);
            p /= g;
            q /= g;
            if (fits(p) && fits(q)) return rational(static_cast<std::int64_t>(p), static_cast<std::int64_t>(q));
        }
    }
    // Inexact: let strtod round the full text correctly (it handles any length).
    std::string s(text);
    double v = std::strtod(s.c_str(), nullptr);
    Number r;
    r.exact_ = false;
    r.value_ = v;
    r.num_ = 0;
    r.den_ = 0;
    if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) <= static_cast<double>(kExactLimit))
        return integer(static_cast<std::int64_t>(v));
    return r;
}

bool Number::is_finite() const { return exact_ || std::isfinite(value_); }

Number Number::operator-() const {
    if (exact_) return rational(-num_, den_);
    return from_double(-value_);
}

Number operator+(const Number& a, const Number& b) {
    if (a.exact_ && b.exact_)
        return make_fraction(i128{a.num_} * b.den_ + i128{b.num_} * a.den_, i128{a.den_} * b.den_);
    return Number::from_double(a.value_ + b.value_);
}

Number operator*(const Number& a, const Number& b) {
    if (a.exact_ && b.exact_) return make_fraction(i128{a.num_} * b.num_, i128{a.den_} * b.den_);
    return Number::from_double(a.value_ * b.value_);
}

Number operator/(const Number& a, const Number& b) {
    if (a.exact_ && b.exact_) {
        if (b.num_ == 0) return Number::from_double(a.value_ / 0.0);
        return make_fraction(i128{a.num_} * b.den_, i128{a.den_} * b.num_);
    }
    return Number::from_double(a.value_ / b.value_);
}

namespace {

// x^n for exact x and integer n >= 0, or nullopt when it leaves the exact range.
std::optional<i128> ipow(i128 x, std::int64_t n) {
    i128 r = 1;
    for (std::int64_t i = 0; i < n; ++i) {
        r *= x;
        if (!fits(r)) return std::nullopt;
    }
    return r;
}

// The exact q-th root of a non-negative integer, if there is one.
std::optional<i128> iroot(std::int64_t v, std::int64_t q) {
    if (v == 0 || v == 1) return v;
    double guess = std::round(std::pow(static_cast<double>(v), 1.0 / static_cast<double>(q)));
    for (double c = guess - 1; c <= guess + 1; ++c) {
        if (c < 1) continue;
        auto p = ipow(static_cast<i128>(c), q);
        if (p && *p == v) return static_cast<i128>(c);
    }
    return std::nullopt;
}

} // namespace

std::optional<Number> Number::pow(const Number& b, const Number& e) {
    if (!b.exact_ || !e.exact_) return from_double(std::pow(b.value_, e.value_));
    if (e.is_zero()) return integer(1);
    if (b.is_one()) return integer(1);
    if (b.is_zero()) {
        if (e.value_ > 0) return integer(0);
        return from_double(std::pow(0.0, e.value_)); // inf
    }
    if (e.den_ == 1) {
        std::int64_t n = e.num_;
        if (b.is_minus_one()) return integer(n % 2 == 0 ? 1 : -1);
        std::int64_t m = n < 0 ? -n : n;
        if (m <= 64) {
            auto p = ipow(b.num_, m);
            auto q = ipow(b.den_, m);
            if (p && q) return n < 0 ? make_fraction(*q, *p) : make_fraction(*p, *q);
        }
        return from_double(std::pow(b.value_, e.value_));
    }
    // Non-integer exponent p/q: exact only for an exact q-th root of a positive base.
    if (b.num_ < 0) return std::nullopt;
    if (e.den_ > 64) return std::nullopt;
    auto rp = iroot(b.num_, e.den_);
    auto rq = iroot(b.den_, e.den_);
    if (!rp || !rq) return std::nullopt;
    return pow(make_fraction(*rp, *rq), integer(e.num_));
}

bool operator==(const Number& a, const Number& b) {
    if (a.exact_ != b.exact_) return false;
    if (a.exact_) return a.num_ == b.num_ && a.den_ == b.den_;
    return std::bit_cast<std::uint64_t>(a.value_) == std::bit_cast<std::uint64_t>(b.value_);
}

bool less(const Number& a, const Number& b) {
    if (a.exact_ && b.exact_) return i128{a.num_} * b.den_ < i128{b.num_} * a.den_;
    bool an = std::isnan(a.value_), bn = std::isnan(b.value_);
    if (an || bn) {
        if (an != bn) return bn; // nan sorts last
        return std::bit_cast<std::uint64_t>(a.value_) < std::bit_cast<std::uint64_t>(b.value_);
    }
    if (a.value_ != b.value_) return a.value_ < b.value_;
    if (a.exact_ != b.exact_) return a.exact_;
    return false;
}

std::uint64_t Number::hash() const {
    if (exact_) return mix(mix(static_cast<std::uint64_t>(num_)) ^ static_cast<std::uint64_t>(den_) * 0x9e3779b97f4a7c15ULL);
    return mix(std::bit_cast<std::uint64_t>(value_) ^ 0x5bd1e9955bd1e995ULL);
}

bool Number::prints_as_decimal() const {
    if (!exact_ || den_ == 1) return true;
    std::int64_t q = den_;
    while (q % 2 == 0) q /= 2;
    while (q % 5 == 0) q /= 5;
    if (q != 1) return false;
    // Short terminating decimals (0.5, 2.25, 0.001) read better than fractions; long ones
    // (1/1024 = 0.0009765625) do not. The decimal must also be this very rational, not just
    // its double: 5006000000000001/5000000000000000 rounds to the double 1.0012 too.
    std::string text = shortest_double(value_);
    if (text.size() > 8) return false;
    bool negative = text[0] == '-';
    std::optional<Number> back = from_decimal(std::string_view(text).substr(negative ? 1 : 0));
    return back && (negative ? -*back : *back) == *this;
}

std::string Number::to_string() const {
    if (!exact_) {
        if (std::isnan(value_)) return "nan";
        if (std::isinf(value_)) return value_ > 0 ? "inf" : "-inf";
        return shortest_double(value_);
    }
    if (den_ == 1) return std::to_string(num_);
    if (prints_as_decimal()) return shortest_double(value_);
    return std::to_string(num_) + "/" + std::to_string(den_);
}

std::string shortest_double(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

} // namespace symdiff
