// Roots of constants in one normal form: sqrt(8) -> 2*sqrt(2), 6/sqrt(2) -> 3*sqrt(2).
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "rational.hpp"
#include "symdiff/dag.hpp"

namespace symdiff::detail {

namespace {

using i128 = __int128;
constexpr i128 kExact = i128{1} << 53;

// m^s for integers, or 0 when it passes the exact range.
i128 ipow(i128 m, std::int64_t s) {
    i128 r = 1;
    for (std::int64_t i = 0; i < s; ++i) {
        r *= m;
        if (r > kExact) return 0;
    }
    return r;
}

// The largest t with t^q dividing m (trial division by small factors; m <= 2^53).
i128 root_part(i128& m, std::int64_t q) {
    i128 t = 1;
    for (i128 p = 2; p <= 100000 && p * p <= m; ++p) {
        const i128 pq = ipow(p, q);
        if (pq == 0 || pq > m) {
            if (p * p > m) break;
            continue;
        }
        while (m % pq == 0) {
            m /= pq;
            t *= p;
        }
    }
    return t;
}

// n^(p/q) for a positive integer n and 0 < p/q with q > 1: coefficient and leftover root.
struct Root {
    Number coef;
    i128 radicand; // leftover^(1/q)
    std::int64_t q;
};

std::optional<Root> integer_root(std::int64_t n, const Number& e) {
    const std::int64_t p = e.num(), q = e.den();
    const std::int64_t k = p >= 0 ? p / q : -((-p + q - 1) / q); // floor(p/q)
    const std::int64_t s = p - k * q;                             // 0 < s < q
    auto whole = Number::pow(Number::integer(n), Number::integer(k));
    if (!whole || !whole->is_exact()) return std::nullopt;
    i128 m = ipow(n, s);
    if (m == 0) return std::nullopt;
    const i128 t = root_part(m, q);
    if (t > kExact) return std::nullopt;
    return Root{*whole * Number::integer(static_cast<std::int64_t>(t)), m, q};
}

// A Mul or Pow whose factors include rational roots of rational constants, rewritten.
Expr roots_at(Expr e, bool top) {
    auto is_root = [](Expr f) {
        return f.is(Op::Pow) && f[0].is_number() && f[0].number().is_exact() && !f[0].number().is_negative() &&
               !f[0].number().is_zero() && f[1].is_number() && f[1].number().is_exact() &&
               !f[1].number().is_integer() && f[1].number().den() <= 16;
    };
    std::vector<Expr> factors;
    if (e.is(Op::Mul))
        for (std::size_t i = 0; i < e.size(); ++i) factors.push_back(e[i]);
    else if (e.is(Op::Pow))
        factors.push_back(e);
    else
        return e;
    if (std::none_of(factors.begin(), factors.end(), is_root)) return e;
    Context& c = e.context();
    Number coef = Number::integer(1);
    std::vector<Expr> rest;
    std::map<std::int64_t, i128> radicands; // q -> product of leftovers under the q-th root
    auto take = [&](std::int64_t n, const Number& ex) {
        auto r = integer_root(n, ex);
        if (!r) return false;
        coef = coef * r->coef;
        i128& rad = radicands.try_emplace(r->q, 1).first->second;
        rad *= r->radicand;
        return rad <= kExact;
    };
    // Beside symbols a root in a denominator stays there ((2*x + 2*y)/sqrt(2) reads better
    // than sqrt(2)*(2*x + 2*y)/2); a constant alone is written with a rational denominator.
    // A power alone counts as a constant only as the whole expression: as a factor it is seen
    // again with the product it is in.
    const bool constant = (e.is(Op::Mul) || top) &&
                          std::all_of(factors.begin(), factors.end(), [&](Expr f) { return f.is_number() || is_root(f); });
    for (Expr f : factors) {
        if (is_root(f) && !constant && (f[1].number().is_negative() || !f[0].number().is_integer())) {
            rest.push_back(f);
            continue;
        }
        if (!is_root(f)) {
            if (f.is_number()) coef = coef * f.number();
            else rest.push_back(f);
            continue;
        }
        const Number& b = f[0].number();
        const Number& ex = f[1].number();
        // (n/d)^r = n^r * d^-r, each an integer root.
        if (!take(b.num(), ex) || !take(b.den(), -ex)) return e;
    }
    for (auto& [q, m] : radicands) {
        const i128 t = root_part(m, q);
        coef = coef * Number::integer(static_cast<std::int64_t>(t));
        if (m > 1) rest.push_back(c.pow(c.integer(static_cast<std::int64_t>(m)), c.rational(1, q)));
    }
    if (!coef.is_exact()) return e;
    rest.push_back(c.number(coef));
    return c.mul(rest);
}

} // namespace

Expr normalize_roots(Expr e) {
    // Cheap test first: most expressions have no root of a number at all.
    if (!any_node(e, [](Expr n) {
            return n.is(Op::Pow) && n[0].is_number() && n[1].is_number() && !n[1].number().is_integer();
        }))
        return e;
    return map_dag(e, [&](Expr rebuilt, Expr original) { return roots_at(rebuilt, original == e); });
}

} // namespace symdiff::detail
