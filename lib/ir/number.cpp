// Exact-rational-or-double constants: arithmetic, canonical form and shortest printing.
#include "symdiff/number.hpp"

#include <algorithm>
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

namespace {

// A decimal literal taken apart: its significant digits (no leading or trailing zeros) and the
// power of ten they are scaled by.
struct Decimal {
    char digits[54]; // enough for any decimal that is a rational in range (see exact_value)
    int size = 0;
    bool too_long = false; // more significant digits than `digits` holds
    long long scale = 0;   // the value is digits × 10^scale
    bool huge_exponent = false;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// digits [ '.' digits ] [ (e|E) [+-] digits ], with at least one mantissa digit; nullopt for
// anything else.
std::optional<Decimal> split_decimal(std::string_view text) {
    Decimal d;
    std::size_t i = 0, n = text.size();
    long long zeros = 0;     // zeros after the last non-zero digit, kept back until one follows
    long long fraction = 0;  // digits after the point
    std::size_t mantissa_digits = 0;
    auto take = [&](char c) {
        ++mantissa_digits;
        if (c == '0') {
            if (d.size > 0 || d.too_long) ++zeros;
            return;
        }
        if (d.too_long || d.size + zeros + 1 > static_cast<long long>(sizeof d.digits)) {
            d.too_long = true;
            zeros = 0; // the value is not exact whatever follows: only the syntax matters now
            return;
        }
        for (; zeros > 0; --zeros) d.digits[d.size++] = '0';
        d.digits[d.size++] = c;
    };
    while (i < n && is_digit(text[i])) take(text[i++]);
    if (i < n && text[i] == '.') {
        ++i;
        for (; i < n && is_digit(text[i]); ++i, ++fraction) take(text[i]);
    }
    if (mantissa_digits == 0) return std::nullopt;
    long long e = 0;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool neg = false;
        if (i < n && (text[i] == '+' || text[i] == '-')) neg = text[i++] == '-';
        std::size_t start = i;
        for (; i < n && is_digit(text[i]); ++i) {
            if (e < 1'000'000'000) e = e * 10 + (text[i] - '0');
            else d.huge_exponent = true;
        }
        if (i == start) return std::nullopt;
        if (neg) e = -e;
    }
    if (i != n) return std::nullopt;
    d.scale = e + zeros - fraction;
    return d;
}

// Divides the decimal digits by `by` if it divides them, by long division (they may not fit
// 128 bits).
bool divide_exactly(Decimal& d, int by) {
    int rest = 0, size = 0;
    for (int j = 0; j < d.size; ++j) {
        rest = rest * 10 + (d.digits[j] - '0');
        const char q = static_cast<char>('0' + rest / by);
        rest %= by;
        if (size > 0 || q != '0') d.digits[size++] = q;
    }
    if (rest != 0) return false; // d.digits is spoilt, but only a division that fits is kept going
    d.size = size;
    return true;
}

// The exact rational in range (|p|, q <= 2^53) that the decimal is, whatever its spelling, or
// nullopt when there is none.
std::optional<Number> exact_value(Decimal d) {
    if (d.size == 0 && !d.too_long) return Number::integer(0);
    if (d.too_long || d.huge_exponent) return std::nullopt;
    if (d.scale >= 0) {
        // An integer: 2^53 has 16 digits.
        if (d.size + d.scale > 16) return std::nullopt;
        std::int64_t p = 0;
        for (int j = 0; j < d.size; ++j) p = p * 10 + (d.digits[j] - '0');
        for (long long j = 0; j < d.scale; ++j) p *= 10;
        if (!fits(p)) return std::nullopt;
        return Number::integer(p);
    }
    // digits / 10^K. The last digit is not 0, so 2 and 5 do not both divide the digits: the
    // fraction reduces by powers of one of them, and q keeps 2^K or 5^K or both. That bounds K
    // by 53 (2^53) and the digits by 2^53 · 5^53 = 10^53, what `digits` holds.
    const long long k = -d.scale;
    const int last = d.digits[d.size - 1] - '0';
    const long long max_k = last % 2 == 0 ? 22 : last == 5 ? 53 : 15; // 5^22, 2^53, 10^15 <= 2^53
    if (k > max_k) return std::nullopt;
    long long twos = k, fives = k; // q = 2^twos · 5^fives
    if (last % 2 == 0) {
        Decimal copy = d;
        while (twos > 0 && divide_exactly(copy, 2)) {
            d = copy;
            --twos;
        }
    } else if (last == 5) {
        Decimal copy = d;
        while (fives > 0 && divide_exactly(copy, 5)) {
            d = copy;
            --fives;
        }
    }
    if (d.size > 16) return std::nullopt;
    std::int64_t p = 0;
    for (int j = 0; j < d.size; ++j) p = p * 10 + (d.digits[j] - '0');
    // 2^twos · 5^fives can pass 128 bits (k = 44 leaves 2^44 · 5^43): stop at the range.
    i128 q = 1;
    for (long long j = 0; j < twos + fives; ++j) {
        q *= j < twos ? 2 : 5;
        if (!fits(q)) return std::nullopt;
    }
    if (!fits(p)) return std::nullopt;
    return Number::rational(p, static_cast<std::int64_t>(q));
}

} // namespace

namespace {

// True when p/q (reduced, q > 1) has a decimal that reads back to this very rational: a
// terminating one (q = 2^a 5^b) whose shortest double text is that decimal. Up to 15
// significant digits that is certain; 16 and 17 are checked by reading the text back.
bool has_decimal_spelling(std::int64_t p, std::int64_t q, double value) {
    if (q <= 1) return false;
    std::int64_t r = q;
    int twos = 0, fives = 0;
    while (r % 2 == 0) r /= 2, ++twos;
    while (r % 5 == 0) r /= 5, ++fives;
    if (r != 1) return false;
    const int k = std::max(twos, fives);
    // The digits of the decimal: |p| * 10^k / q = |p| * 2^(k - twos) * 5^(k - fives).
    i128 digits = p < 0 ? -i128{p} : i128{p};
    constexpr i128 kCertain = 1'000'000'000'000'000; // 10^15
    bool certain = true;
    for (int j = 0; j < 2 * k - twos - fives && certain; ++j) {
        digits *= j < k - twos ? 2 : 5;
        certain = digits < kCertain;
    }
    if (certain && digits < kCertain) return true;
    const std::string text = shortest_double(value < 0 ? -value : value);
    const std::optional<Decimal> d = split_decimal(text);
    if (!d) return false;
    const std::optional<Number> back = exact_value(*d);
    return back && back->num() == (p < 0 ? -p : p) && back->den() == q;
}

} // namespace

Number Number::decimal(std::int64_t p, std::int64_t q) { return rational(p, q).as_decimal(); }

Number Number::as_decimal() const {
    Number r = *this;
    r.decimal_ = exact_ && den_ != 1 && has_decimal_spelling(num_, den_, value_);
    return r;
}

Number Number::as_fraction() const {
    Number r = *this;
    r.decimal_ = false;
    return r;
}

bool Number::same_value(const Number& o) const { return as_fraction() == o.as_fraction(); }

Number Number::from_double(double v) {
    if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) <= static_cast<double>(kExactLimit))
        return integer(static_cast<std::int64_t>(v));
    if (std::isfinite(v)) {
        // The decimal takes no sign: canonicalise the magnitude and negate.
        if (v < 0) {
            Number m = from_double(-v);
            if (m.exact_) return -m;
        } else if (auto d = split_decimal(shortest_double(v))) {
            // A double's natural spelling is its decimal, which reads back to the rational.
            if (auto n = exact_value(*d)) return n->as_decimal();
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
    const std::optional<Decimal> d = split_decimal(text);
    if (!d) return std::nullopt;
    if (auto n = exact_value(*d)) return n->as_decimal();
    // Inexact: strtod rounds the full text correctly (any length), and the double is then
    // what any other spelling of it gives.
    const std::string s(text);
    return from_double(std::strtod(s.c_str(), nullptr));
}

bool Number::is_finite() const { return exact_ || std::isfinite(value_); }

Number Number::operator-() const {
    if (exact_) {
        Number r = rational(-num_, den_);
        r.decimal_ = decimal_;
        return r;
    }
    return from_double(-value_);
}

// The spelling of an exact result: a decimal if either operand was one (and it has one).
static Number spelt(Number r, const Number& a, const Number& b) {
    if ((a.is_decimal() || b.is_decimal()) && r.is_exact() && !r.is_decimal()) return r.as_decimal();
    return r;
}

Number operator+(const Number& a, const Number& b) {
    if (a.exact_ && b.exact_)
        return spelt(make_fraction(i128{a.num_} * b.den_ + i128{b.num_} * a.den_, i128{a.den_} * b.den_), a, b);
    return Number::from_double(a.value_ + b.value_);
}

Number operator*(const Number& a, const Number& b) {
    if (a.exact_ && b.exact_) return spelt(make_fraction(i128{a.num_} * b.num_, i128{a.den_} * b.den_), a, b);
    return Number::from_double(a.value_ * b.value_);
}

Number operator/(const Number& a, const Number& b) {
    if (a.exact_ && b.exact_) {
        if (b.num_ == 0) return Number::from_double(a.value_ / 0.0);
        return spelt(make_fraction(i128{a.num_} * b.den_, i128{a.den_} * b.num_), a, b);
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
    std::optional<Number> r = pow_exact(b, e);
    if (r) *r = spelt(*r, b, e);
    return r;
}

std::optional<Number> Number::pow_exact(const Number& b, const Number& e) {
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
    return pow_exact(make_fraction(*rp, *rq), integer(e.num_));
}

bool operator==(const Number& a, const Number& b) {
    if (a.exact_ != b.exact_) return false;
    if (a.exact_) return a.num_ == b.num_ && a.den_ == b.den_ && a.decimal_ == b.decimal_;
    return std::bit_cast<std::uint64_t>(a.value_) == std::bit_cast<std::uint64_t>(b.value_);
}

bool less(const Number& a, const Number& b) {
    if (a.exact_ && b.exact_) {
        const i128 l = i128{a.num_} * b.den_, r = i128{b.num_} * a.den_;
        if (l != r) return l < r;
        return !a.decimal_ && b.decimal_; // equal values: the fraction first
    }
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

bool Number::prints_as_decimal() const { return !exact_ || den_ == 1 || decimal_; }

std::string Number::to_string() const {
    if (!exact_) {
        if (std::isnan(value_)) return "nan";
        if (std::isinf(value_)) return value_ > 0 ? "inf" : "-inf";
        return shortest_double(value_);
    }
    if (den_ == 1) return std::to_string(num_);
    if (decimal_) return shortest_double(value_);
    return std::to_string(num_) + "/" + std::to_string(den_);
}

std::string shortest_double(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    // The shortest digits decide the decimal exponent; the layout is then Python's repr's:
    // plain digits from 1e-4 up to 1e16 (500000 and 0.0001, as a person writes them, where
    // std::to_chars would pick the shorter 5e+05 and 1e-04), the exponent form outside, where
    // plain digits would be a run of zeros. Both forms carry the shortest round-tripping digits.
    char buf[64];
    const auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    const char* e = std::find(buf, sci.ptr, 'e');
    int exp10 = 0;
    std::from_chars(e + (e[1] == '+' ? 2 : 1), sci.ptr, exp10);
    if (exp10 < -4 || exp10 >= 16) return std::string(buf, sci.ptr);
    const auto plain = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    return std::string(buf, plain.ptr);
}

} // namespace symdiff
