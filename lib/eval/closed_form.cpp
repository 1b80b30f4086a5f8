// Sums over constant ranges in closed form (closed_form.hpp).
#include "eval/closed_form.hpp"

#include <boost/multiprecision/cpp_int.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {

namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;


std::optional<std::int64_t> constant_integer(Expr e) {
    if (e.is_number() && e.number().is_integer()) return e.number().num();
    return std::nullopt;
}

// The coefficients of a polynomial in the index, lowest degree first, each free of the index.
using Poly = std::vector<Expr>;

Poly trimmed(Poly p) {
    while (p.size() > 1 && p.back().is_number() && p.back().number().is_zero()) p.pop_back();
    return p;
}

std::optional<Poly> times(Context& c, const Poly& a, const Poly& b) {
    if (a.size() + b.size() - 2 > static_cast<std::size_t>(kMaxDegree)) return std::nullopt;
    std::vector<std::vector<Expr>> terms(a.size() + b.size() - 1);
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t j = 0; j < b.size(); ++j) terms[i + j].push_back(c.mul({a[i], b[j]}));
    Poly out;
    for (const auto& t : terms) out.push_back(c.add(t));
    return trimmed(std::move(out));
}

// body as a polynomial in i, or nullopt. Bottom-up over the body's DAG (no recursion): a node
// free of i is a constant coefficient; i, sums, products and constant natural powers of
// polynomials are polynomials; anything else that depends on i (a function of i, x[i], a
// guard, i in an exponent) is not.
std::optional<Poly> polynomial_in(Expr body, Expr i) {
    Context& c = body.context();
    const std::vector<NodeId> order = topological_order(std::span<const Expr>(&body, 1));
    std::unordered_map<NodeId, std::optional<Poly>> poly;
    std::unordered_map<NodeId, bool> dep;
    for (NodeId id : order) {
        const Expr n = c[id];
        bool d = n == i;
        for (NodeId k : n.child_ids()) d = d || dep[k];
        dep[id] = d;
        std::optional<Poly> p;
        if (n == i) {
            p = Poly{c.integer(0), c.integer(1)};
        } else if (!d) {
            p = Poly{n};
        } else if (n.is(Op::Add)) {
            std::vector<std::vector<Expr>> terms;
            bool ok = true;
            for (NodeId k : n.child_ids()) {
                const std::optional<Poly>& q = poly[k];
                if (!q) {
                    ok = false;
                    break;
                }
                if (terms.size() < q->size()) terms.resize(q->size());
                for (std::size_t j = 0; j < q->size(); ++j) terms[j].push_back((*q)[j]);
            }
            if (ok) {
                Poly sum;
                for (const auto& t : terms) sum.push_back(c.add(t));
                p = trimmed(std::move(sum));
            }
        } else if (n.is(Op::Mul)) {
            p = Poly{c.integer(1)};
            for (NodeId k : n.child_ids()) {
                if (!poly[k] || !(p = times(c, *p, *poly[k]))) {
                    p.reset();
                    break;
                }
            }
        } else if (n.is(Op::Pow) && !dep[n[1].id()] && poly[n[0].id()]) {
            const std::optional<std::int64_t> k = constant_integer(n[1]);
            if (k && *k >= 0 && *k <= kMaxDegree) {
                p = Poly{c.integer(1)};
                for (std::int64_t j = 0; j < *k && p; ++j) p = times(c, *p, *poly[n[0].id()]);
            }
        }
        poly[id] = std::move(p);
    }
    return poly[body.id()];
}

std::optional<cpp_rational> exact(const Number& n) {
    if (n.is_exact()) return cpp_rational(cpp_int(n.num()), cpp_int(n.den()));
    const double v = n.value();
    if (!std::isfinite(v)) return std::nullopt;
    // every finite double is m*2^e with an integer m of at most 53 bits
    int e = 0;
    const double m = std::frexp(v, &e);
    const auto mi = static_cast<std::int64_t>(std::ldexp(m, 53));
    cpp_rational r{cpp_int(mi)};
    e -= 53;
    if (e >= 0) return r * cpp_rational(cpp_int(1) << e);
    return r / cpp_rational(cpp_int(1) << -e);
}

std::size_t bits(const cpp_int& v) { return v == 0 ? 0 : boost::multiprecision::msb(v) + 1; }

// r rounded once to the nearest double (ties to even).
double nearest_double(const cpp_rational& r) {
    cpp_int a = boost::multiprecision::numerator(r), b = boost::multiprecision::denominator(r);
    if (a == 0) return 0.0;
    const bool negative = a < 0;
    if (negative) a = -a;
    // scale so that the quotient has 55 or 56 bits, then round its low bits with the remainder
    const long shift = 55 - (static_cast<long>(bits(a)) - static_cast<long>(bits(b)));
    if (shift > 0) a <<= shift;
    else b <<= -shift;
    cpp_int q, rem;
    boost::multiprecision::divide_qr(a, b, q, rem);
    const long drop = static_cast<long>(bits(q)) - 53;
    const cpp_int low = q & ((cpp_int(1) << drop) - 1), half = cpp_int(1) << (drop - 1);
    q >>= drop;
    if (low > half || (low == half && (rem != 0 || (q & 1) != 0))) ++q;
    const double v = std::ldexp(q.convert_to<double>(), static_cast<int>(drop - shift));
    return negative ? -v : v;
}

Number number_of(const cpp_rational& r) {
    const cpp_int p = boost::multiprecision::numerator(r), q = boost::multiprecision::denominator(r);
    const cpp_int lim = std::numeric_limits<std::int64_t>::max();
    if (p <= lim && -p <= lim && q <= lim)
        return Number::rational(p.convert_to<std::int64_t>(), q.convert_to<std::int64_t>());
    return Number::from_double(nearest_double(r));
}

// S[j] = sum of i^j over i = lo..hi (lo <= hi), j = 0..d, exactly: with F[k] = sum of t^k
// over t = 0..m, m = hi - lo, from (m + 1)^(k+1) = sum_{l <= k} C(k+1, l) F[l] (the sum over
// t of (t + 1)^(k+1) - t^(k+1)), and i^j = (lo + t)^j expanded by the binomial theorem.
std::vector<cpp_int> power_sums(std::int64_t lo, std::int64_t hi, std::size_t d) {
    std::vector<std::vector<cpp_int>> binom(d + 2);
    for (std::size_t n = 0; n < binom.size(); ++n) {
        binom[n].assign(n + 1, 1);
        for (std::size_t k = 1; k < n; ++k) binom[n][k] = binom[n - 1][k - 1] + binom[n - 1][k];
    }
    const cpp_int m = cpp_int(hi) - cpp_int(lo);
    std::vector<cpp_int> f(d + 1);
    cpp_int power = m + 1; // (m + 1)^(k+1)
    for (std::size_t k = 0; k <= d; ++k) {
        cpp_int acc = power;
        for (std::size_t l = 0; l < k; ++l) acc -= binom[k + 1][l] * f[l];
        f[k] = acc / (k + 1);
        power *= m + 1;
    }
    std::vector<cpp_int> s(d + 1);
    for (std::size_t j = 0; j <= d; ++j) {
        cpp_int lo_power = 1; // lo^(j-k), k from j down
        for (std::size_t k = j + 1; k-- > 0;) {
            s[j] += binom[j][k] * lo_power * f[k];
            lo_power *= lo;
        }
    }
    return s;
}

// sum(i = lo..hi, body) in closed form, or null.
Expr closed_form(Expr sum) {
    const std::optional<std::int64_t> lo = constant_integer(sum[1]), hi = constant_integer(sum[2]);
    if (!lo || !hi || *hi < *lo) return Expr();
    const std::optional<Poly> p = polynomial_in(sum[3], sum[0]);
    if (!p) return Expr();
    Context& c = sum.context();
    const std::vector<cpp_int> s = power_sums(*lo, *hi, p->size() - 1);
    // Numeric coefficients: the exact total, rounded once.
    cpp_rational total = 0;
    bool numeric = true;
    for (std::size_t j = 0; j < p->size() && numeric; ++j) {
        const std::optional<cpp_rational> cj = (*p)[j].is_number() ? exact((*p)[j].number()) : std::nullopt;
        if (cj) total += *cj * cpp_rational(s[j]);
        else numeric = false;
    }
    if (numeric) return c.number(number_of(total));
    for (Expr coef : *p)
        if (coef.is_number() && !coef.number().is_finite()) return Expr(); // inf*0 and nan stay the loop's
    std::vector<Expr> terms;
    for (std::size_t j = 0; j < p->size(); ++j) terms.push_back(c.mul({(*p)[j], c.number(number_of(cpp_rational(s[j])))}));
    return c.add(terms);
}

[[noreturn]] void too_long(Expr r, std::int64_t lo, std::int64_t hi) {
    const cpp_int count = cpp_int(hi) - cpp_int(lo) + 1;
    const bool vec = r.is(Op::Vec);
    throw Error(std::string(vec ? "vector over " : "sum over ") + r[0].name() + " = " + std::to_string(lo) + ".." +
                std::to_string(hi) + " has " + count.str() + (vec ? " elements" : " terms") +
                ", more than the limit of 1000000000 for constant bounds" +
                (vec ? "" : " (only a sum whose body is a polynomial in " + r[0].name() +
                                " is evaluated in closed form, at any length)"));
}

// Whether a Sum or Vec lies below the outputs. Most outputs (every point function) have
// none, and finding that needs no ordered DAG: a search that stops at the first one.
bool has_sum_or_vec(std::span<const Expr> outputs) {
    const Context& ctx = outputs[0].context();
    std::vector<char> seen(ctx.size(), 0);
    std::vector<NodeId> stack;
    for (Expr o : outputs) stack.push_back(o.id());
    while (!stack.empty()) {
        const NodeId id = stack.back();
        stack.pop_back();
        if (seen[id]) continue;
        seen[id] = 1;
        const Expr n = ctx[id];
        if (n.is(Op::Sum) || n.is(Op::Vec)) return true;
        for (NodeId k : n.child_ids())
            if (!seen[k]) stack.push_back(k);
    }
    return false;
}

} // namespace

std::vector<Expr> closed_forms(std::span<const Expr> outputs) {
    std::vector<Expr> out(outputs.begin(), outputs.end());
    if (outputs.empty() || !has_sum_or_vec(outputs)) return out;
    const std::vector<NodeId> order = topological_order(outputs);
    Context& c = outputs[0].context();
    std::unordered_map<NodeId, Expr> mapped;
    std::vector<Expr> kids;
    for (NodeId id : order) {
        const Expr n = c[id];
        kids.clear();
        bool changed = false;
        for (NodeId k : n.child_ids()) {
            kids.push_back(mapped.at(k));
            changed = changed || kids.back().id() != k;
        }
        Expr m = changed ? c.rebuild(n, kids) : n;
        if (m.is(Op::Sum) || m.is(Op::Vec)) {
            if (m.is(Op::Sum))
                if (Expr closed = closed_form(m); !closed.is_null()) m = closed;
            if (m.is(Op::Sum) || m.is(Op::Vec)) {
                const std::optional<std::int64_t> lo = constant_integer(m[1]), hi = constant_integer(m[2]);
                if (lo && hi && *hi >= *lo && cpp_int(*hi) - cpp_int(*lo) + 1 > kMaxConstantRange) too_long(m, *lo, *hi);
            }
        }
        mapped.emplace(id, m);
    }
    for (Expr& o : out) o = mapped.at(o.id());
    return out;
}

} // namespace symdiff::detail
