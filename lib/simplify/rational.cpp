// Rational functions over a common denominator and polynomial forms (roots.cpp: roots of
// constants; printed_size.cpp: the length forms are compared by).
//
// combine_fractions works on polynomials over the rationals in a few generators: the symbols
// and whatever other subexpressions (sin(x), sqrt(x)) appear, each an opaque unknown. Every
// identity it uses holds for any value of the generators, so the value of the sum never
// changes where it is defined. Cancelling a factor the numerator shares with the denominator
// ((x^2 - 1)/(x - 1) -> x + 1) can make a value defined where it was not (0/0 at x = 1), the
// one kind of change the constructors also make (x/x -> 1), as SymPy's cancel does.
#include "rational.hpp"
#include "polys.hpp"
#include "printed_size.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

namespace symdiff::detail {
namespace {

// Univariate polynomials over the rationals, lowest degree first, for the GCD that finds the
// factors a numerator shares with a denominator base that is not written factored
// ((x + 2)^2 against x^2 - 4).
using Coeffs = std::vector<Number>;
constexpr std::size_t kMaxGcdDegree = 32;

// p as coefficients in generator `gen`, when no other generator occurs in it.
std::optional<Coeffs> coeffs_in(const Poly& p, std::size_t gen) {
    Coeffs c;
    for (const auto& [m, k] : p) {
        for (std::size_t i = 0; i < kMaxGens; ++i)
            if (i != gen && m[i] != 0) return std::nullopt;
        if (m[gen] > kMaxGcdDegree) return std::nullopt;
        if (c.size() <= m[gen]) c.resize(m[gen] + 1, Number::integer(0));
        c[m[gen]] = k;
    }
    return c;
}

// The one generator p uses, or nullopt when it uses none or several.
std::optional<std::size_t> only_generator(const Poly& p) {
    std::optional<std::size_t> g;
    for (const auto& [m, k] : p)
        for (std::size_t i = 0; i < kMaxGens; ++i)
            if (m[i] != 0) {
                if (g && *g != i) return std::nullopt;
                g = i;
            }
    return g;
}

void trim(Coeffs& c) {
    while (!c.empty() && c.back().is_zero()) c.pop_back();
}

// a mod b (b nonzero, trimmed); false when a coefficient leaves the exact range.
bool reduce(Coeffs& a, const Coeffs& b) {
    trim(a);
    while (a.size() >= b.size()) {
        const Number k = a.back() / b.back();
        if (!k.is_exact()) return false;
        const std::size_t shift = a.size() - b.size();
        for (std::size_t i = 0; i < b.size(); ++i) {
            a[shift + i] = a[shift + i] - k * b[i];
            if (!a[shift + i].is_exact()) return false;
        }
        a.back() = Number::integer(0); // exactly cancelled, whatever the rounding above
        trim(a);
    }
    return true;
}

// The monic GCD of a and b by Euclid's algorithm, or nullopt past the exact range.
std::optional<Coeffs> gcd(Coeffs a, Coeffs b) {
    trim(a);
    trim(b);
    if (a.size() < b.size()) std::swap(a, b);
    while (!b.empty()) {
        if (!reduce(a, b)) return std::nullopt;
        std::swap(a, b);
    }
    if (a.empty()) return std::nullopt;
    const Number lead = a.back();
    for (Number& k : a) {
        k = k / lead;
        if (!k.is_exact()) return std::nullopt;
    }
    return a;
}

// c scaled to integer coefficients without a common factor, the leading one positive, as a
// Poly in generator `gen`: x + 2 rather than 1/2*x + 1.
std::optional<Poly> primitive(const Coeffs& c, std::size_t gen) {
    std::int64_t l = 1;
    for (const Number& k : c) {
        const std::int64_t d = k.den();
        l = l / std::gcd(l, d) * d;
        if (l > (std::int64_t{1} << 40)) return std::nullopt;
    }
    std::int64_t g = 0;
    for (const Number& k : c) g = std::gcd(g, (k * Number::integer(l)).num());
    if (g == 0) return std::nullopt;
    Number scale = Number::rational(l, c.back().is_negative() ? -g : g);
    Poly p;
    for (std::size_t d = 0; d < c.size(); ++d) {
        if (c[d].is_zero()) continue;
        Mono m{};
        m[gen] = static_cast<std::uint16_t>(d);
        const Number v = c[d] * scale;
        if (!v.is_exact()) return std::nullopt;
        p[m] = v;
    }
    return p;
}

// The common factor of num and base of positive degree, as a primitive Poly, when both are
// polynomials in the same single generator; nullopt otherwise.
std::optional<Poly> common_factor(const Poly& num, const Poly& base) {
    const auto g = only_generator(base);
    if (!g) return std::nullopt;
    const auto gn = only_generator(num);
    if (!gn || *gn != *g) return std::nullopt;
    auto a = coeffs_in(num, *g), b = coeffs_in(base, *g);
    if (!a || !b) return std::nullopt;
    auto d = gcd(*a, *b);
    if (!d || d->size() < 2) return std::nullopt;
    return primitive(*d, *g);
}

// A term of a sum split into its numerator factors and its denominator: bases with the
// (positive) integer power they are divided by.
struct Quotient {
    std::vector<Expr> top;
    std::vector<std::pair<Expr, std::int64_t>> bottom;
};

Quotient split(Expr t) {
    Quotient q;
    auto one = [&](Expr f) {
        if (f.is(Op::Pow) && f[1].is_number() && f[1].number().is_integer() && f[1].number().num() < 0)
            q.bottom.emplace_back(f[0], -f[1].number().num());
        else
            q.top.push_back(f);
    };
    if (t.is(Op::Mul))
        for (std::size_t i = 0; i < t.size(); ++i) one(t[i]);
    else
        one(t);
    return q;
}

void polynomial_candidates(Polys& polys, const Poly& p, std::vector<Expr>& out);

} // namespace

Expr combine_fractions(Expr e) {
    std::vector<Quotient> terms;
    bool any = false;
    if (e.is(Op::Mul)) {
        terms.push_back(split(e));
        any = !terms.back().bottom.empty();
    } else {
        if (!e.is(Op::Add) || e.size() > kMaxSumTerms) return Expr();
        for (std::size_t i = 0; i < e.size(); ++i) {
            terms.push_back(split(e[i]));
            any = any || !terms.back().bottom.empty();
        }
    }
    if (!any) return Expr();
    // The common denominator: each base to the largest power any term divides by.
    std::vector<std::pair<Expr, std::int64_t>> den;
    for (const Quotient& q : terms)
        for (const auto& [b, k] : q.bottom) {
            auto it = std::find_if(den.begin(), den.end(), [&](const auto& d) { return d.first == b; });
            if (it == den.end()) den.emplace_back(b, k);
            else it->second = std::max(it->second, k);
        }
    if (den.size() > 4) return Expr();
    Context& c = e.context();
    Polys polys(c);
    std::vector<Poly> bases;
    for (const auto& [b, k] : den) {
        if (k > kMaxPower) return Expr();
        auto p = polys.of(b);
        if (!p) return Expr();
        bases.push_back(std::move(*p));
    }
    Poly num;
    for (const Quotient& q : terms) {
        Poly t = Polys::constant(Number::integer(1));
        for (Expr f : q.top) {
            auto p = polys.of(f);
            if (!p) return Expr();
            auto tp = Polys::times(t, *p);
            if (!tp) return Expr();
            t = std::move(*tp);
        }
        for (std::size_t j = 0; j < den.size(); ++j) {
            std::int64_t have = 0;
            for (const auto& [b, k] : q.bottom)
                if (b == den[j].first) have = k;
            auto m = Polys::power(bases[j], den[j].second - have);
            if (!m) return Expr();
            auto tp = Polys::times(t, *m);
            if (!tp) return Expr();
            t = std::move(*tp);
        }
        if (!Polys::add_to(num, t, Number::integer(1))) return Expr();
    }
    if (num.empty()) return c.integer(0);
    // Cancel what the numerator shares with the denominator, factor by factor.
    for (std::size_t j = 0; j < den.size(); ++j) {
        if (bases[j].size() < 2 && (bases[j].empty() || bases[j].begin()->first == Mono{})) continue;
        while (den[j].second > 0) {
            auto q = Polys::divide(num, bases[j]);
            if (!q) break;
            num = std::move(*q);
            --den[j].second;
        }
    }
    // A base that shares only part of itself with the numerator is split into that part and
    // the rest, and the part cancelled: (-x^2 - 4*x - 4)/(x^2 - 4)^2 -> -1/(x - 2)^2. Only
    // for a single generator (a univariate GCD over the rationals), at most a few splits.
    for (std::size_t j = 0, splits = 0; j < den.size() && splits < 4; ++j) {
        if (den[j].second == 0 || bases[j].size() < 2) continue;
        auto g = common_factor(num, bases[j]);
        if (!g) continue;
        auto rest = Polys::divide(bases[j], *g);
        if (!rest) continue;
        std::int64_t k = den[j].second;
        while (k > 0) {
            auto q = Polys::divide(num, *g);
            if (!q) break;
            num = std::move(*q);
            --k;
        }
        if (k == den[j].second) continue;
        ++splits;
        const std::int64_t whole = den[j].second;
        den[j] = {polys.to_expr(*rest), whole};
        bases[j] = std::move(*rest);
        if (k > 0) {
            den.emplace_back(polys.to_expr(*g), k);
            bases.push_back(std::move(*g));
        }
        --j; // the rest may share more with what is left of the numerator
    }
    // The numerator multiplied out, unless a monomial or content in front prints shorter:
    // (x*exp(x) - exp(x))/x^2 -> exp(x)*(x - 1)/x^2.
    std::vector<Expr> fs{polys.to_expr(num)};
    for (const auto& [b, k] : den)
        if (k > 0) fs.push_back(c.pow(b, c.integer(-k)));
    Expr best = c.mul(fs);
    std::vector<Expr> candidates;
    polynomial_candidates(polys, num, candidates);
    std::size_t fewest = printed_tokens(best);
    for (Expr candidate : candidates) {
        fs[0] = candidate;
        Expr r = c.mul(fs);
        if (const std::size_t t = printed_tokens(r); t < fewest) {
            best = r;
            fewest = t;
        }
    }
    return best;
}

namespace {

// Whether a sum or product has anything to multiply out or take in front: a sum among the
// factors of a term (or of the product), or a factor every term of the sum shares. Looks
// without making nodes, so most nodes are passed over at once.
bool worth_a_polynomial(Expr e) {
    auto has_sum_factor = [](Expr t) {
        if (t.is(Op::Add)) return true;
        if (t.is(Op::Pow)) return t[0].is(Op::Add) && t[1].is_number() && t[1].number().is_integer() && t[1].number().num() > 1;
        if (!t.is(Op::Mul)) return false;
        for (std::size_t i = 0; i < t.size(); ++i)
            if (t[i].is(Op::Add) || (t[i].is(Op::Pow) && t[i][0].is(Op::Add) && t[i][1].is_number() &&
                                     t[i][1].number().is_integer() && t[i][1].number().num() > 1))
                return true;
        return false;
    };
    if (e.is(Op::Mul)) return has_sum_factor(e);
    if (!e.is(Op::Add) || e.size() > kMaxSumTerms) return false;
    for (std::size_t i = 0; i < e.size(); ++i)
        if (e[i].is(Op::Mul) && has_sum_factor(e[i])) return true;
    // A non-numeric factor (or the base of a power) of the first term that every term has.
    auto bases = [](Expr t) {
        std::vector<Expr> b;
        auto one = [&](Expr f) {
            if (f.is_number()) return;
            b.push_back(f.is(Op::Pow) && f[1].is_number() ? f[0] : f);
        };
        if (t.is(Op::Mul))
            for (std::size_t i = 0; i < t.size(); ++i) one(t[i]);
        else
            one(t);
        return b;
    };
    for (Expr f : bases(e[0])) {
        bool all = true;
        for (std::size_t i = 1; i < e.size() && all; ++i) {
            const auto bi = bases(e[i]);
            all = std::find(bi.begin(), bi.end(), f) != bi.end();
        }
        if (all) return true;
    }
    return false;
}

} // namespace

Expr polynomial_form(Expr e) {
    std::size_t budget = 300;
    if (e.height() > 12 || !worth_a_polynomial(e) || !small_tree(e, budget)) return Expr();
    Context& c = e.context();
    Polys polys(c);
    auto p = polys.of(e);
    if (!p || p->empty()) return Expr();
    // A power of a function of the variable stays factored: sigmoid(x)*(1 - sigmoid(x)) is the
    // textbook form, sigmoid(x) - sigmoid(x)^2 is not, though shorter.
    for (const auto& [t, k] : *p)
        for (std::size_t i = 0; i < kMaxGens; ++i)
            if (t[i] > 1 && !polys.generator_is_symbol(i)) return Expr();
    // Multiplied out only where terms cancel or merge, never into more terms than e has:
    // -2*(1 - x) - 400*x*(y - x^2), the chain rule's 6*(3*x + 1) and the product rule's
    // 2*x*(x + 1)^2 + x^2*(2*x + 2) stay as a textbook leaves them, though shorter expanded,
    // while exp(-x) - (x + 1)*exp(-x) becomes -x*exp(-x). (Expanding every chain-rule result
    // also changed the last digits of values and cost 1.3x on a large gradient.)
    const std::size_t terms = e.is(Op::Add) ? e.size() : 1;
    const std::size_t now = printed_tokens(e);
    // The candidates are estimated from the polynomial first, and only the better one made.
    const std::size_t never = std::numeric_limits<std::size_t>::max();
    std::size_t best = p->size() <= terms ? polys.estimate(*p) : never;
    bool factored = false;
    Poly mono, rest;
    // The monomial every term shares, in front: x^2*(3 - x)*exp(-x).
    if (p->size() > 1) {
        Mono m = p->begin()->first;
        for (const auto& [t, k] : *p)
            for (std::size_t i = 0; i < kMaxGens; ++i) m[i] = std::min(m[i], t[i]);
        if (!(m == Mono{})) {
            mono[m] = Number::integer(1);
            if (auto q = Polys::divide(*p, mono)) {
                rest = std::move(*q);
                const std::size_t t = polys.estimate(mono) + 1 + polys.estimate(rest) + (rest.size() > 1 ? 2 : 0);
                if (t < best) {
                    best = t;
                    factored = true;
                }
            }
        }
    }
    if (best >= now) return Expr();
    Expr out = factored ? c.mul({polys.to_expr(mono), polys.to_expr(rest)}) : polys.to_expr(*p);
    if (out == e || printed_tokens(out) >= now) return Expr();
    return out;
}

Expr polynomial_form_of_sum(Expr e) { return e.is(Op::Add) ? polynomial_form(e) : Expr(); }

namespace {

// The exponent of base b in term t: k for b^k among its factors, 1 for b itself, 0 without.
Number exponent_of(Expr t, Expr b) {
    auto one = [&](Expr f) -> std::optional<Number> {
        if (f == b) return Number::integer(1);
        if (f.is(Op::Pow) && f[0] == b && f[1].is_number()) return f[1].number();
        return std::nullopt;
    };
    if (t.is(Op::Mul)) {
        for (std::size_t i = 0; i < t.size(); ++i)
            if (auto k = one(t[i])) return *k;
    } else if (auto k = one(t)) {
        return *k;
    }
    return Number::integer(0);
}

// The printed forms of a polynomial p worth comparing: multiplied out, with the monomial all
// terms share in front, each with the rational content in front (x/2 - 1/2 -> 1/2*(x - 1)).
void polynomial_candidates(Polys& polys, const Poly& p, std::vector<Expr>& out) {
    if (p.empty()) return;
    Context& c = polys.context();
    std::int64_t l = 1, g = 0;
    for (const auto& [m, k] : p) {
        if (!k.is_exact() || k.is_decimal()) return;
        l = l / std::gcd(l, k.den()) * k.den();
        if (l > (std::int64_t{1} << 30)) return;
    }
    for (const auto& [m, k] : p) g = std::gcd(g, (k * Number::integer(l)).num());
    const Number content = Number::rational(g, l);
    Poly primitive;
    for (const auto& [m, k] : p) primitive[m] = k / content;
    Mono low = p.begin()->first;
    for (const auto& [m, k] : p)
        for (std::size_t i = 0; i < kMaxGens; ++i) low[i] = std::min(low[i], m[i]);
    Poly mono;
    mono[low] = Number::integer(1);
    for (const Poly* q : std::initializer_list<const Poly*>{&p, &primitive}) {
        const Number k = q == &p ? Number::integer(1) : content;
        out.push_back(c.mul({c.number(k), polys.to_expr(*q)}));
        if (q->size() > 1 && !(low == Mono{}))
            if (auto r = Polys::divide(*q, mono)) out.push_back(c.mul({c.number(k), polys.to_expr(mono), polys.to_expr(*r)}));
    }
}

} // namespace

Expr fraction_into_sum(Expr e) {
    if (!e.is(Op::Mul) || !e[0].is_number()) return Expr();
    const Number k = e[0].number();
    if (!k.is_exact() || k.is_decimal() || k.is_integer()) return Expr();
    Context& c = e.context();
    for (std::size_t i = 1; i < e.size(); ++i) {
        if (!e[i].is(Op::Add) || e[i].size() > kMaxSumTerms) continue;
        Polys polys(c);
        auto p = polys.of(e[i]);
        if (!p || p->size() != e[i].size()) continue;
        Poly scaled;
        bool whole = true;
        for (const auto& [m, v] : *p) {
            const Number w = v * k;
            whole = whole && w.is_integer();
            scaled[m] = w;
        }
        if (!whole) continue;
        std::vector<Expr> fs;
        for (std::size_t j = 1; j < e.size(); ++j) fs.push_back(j == i ? polys.to_expr(scaled) : e[j]);
        return c.mul(fs);
    }
    return Expr();
}

Expr nested_fraction(Expr e) {
    if (!e.is(Op::Mul) || e.size() > kMaxSumTerms) return Expr();
    std::size_t budget = 300;
    if (e.height() > 12 || !small_tree(e, budget)) return Expr();
    Context& c = e.context();
    auto power_of = [&](Expr f, const Number& n) {
        // (a*b^k)^n as a^n*b^(k*n); n an integer here, so no sign is lost.
        if (!f.is(Op::Mul)) return c.pow(f, c.number(n));
        std::vector<Expr> fs;
        for (std::size_t i = 0; i < f.size(); ++i) {
            Expr g = f[i];
            if (g.is(Op::Pow) && g[1].is_number()) fs.push_back(c.pow(g[0], c.number(g[1].number() * n)));
            else fs.push_back(c.pow(g, c.number(n)));
        }
        return c.mul(fs);
    };
    for (std::size_t i = 0; i < e.size(); ++i) {
        Expr f = e[i];
        Expr replaced;
        if (f.is(Op::Add)) {
            // -2*(1/x + 1)/x^2 -> -2*(x + 1)/x^3
            replaced = combine_fractions(f);
            if (replaced.is_null()) continue;
            std::vector<Expr> fs;
            for (std::size_t j = 0; j < e.size(); ++j) fs.push_back(j == i ? replaced : e[j]);
            Expr out = c.mul(fs);
            if (out != e && printed_tokens(out) < printed_tokens(e)) return out;
            continue;
        }
        if (!f.is(Op::Pow) || !f[0].is(Op::Add) || !f[1].is_number() || !f[1].number().is_exact()) continue;
        const Number n = f[1].number();
        if (n.is_integer()) {
            Expr q = combine_fractions(f[0]);
            if (q.is_null()) continue;
            replaced = power_of(q, n);
        } else if (n.den() == 2) {
            // sqrt(1 - x^2/4) = sqrt(4 - x^2)/2: a square denominator of the coefficients out.
            Polys polys(c);
            auto p = polys.of(f[0]);
            if (!p) continue;
            std::int64_t l = 1;
            bool exact = true;
            for (const auto& [m, k] : *p) {
                exact = exact && k.is_exact() && !k.is_decimal();
                if (exact) l = l / std::gcd(l, k.den()) * k.den();
                exact = exact && l < 1000000;
            }
            std::int64_t r = 1;
            while (r * r < l) ++r;
            if (!exact || l == 1 || r * r != l) continue;
            for (auto& [m, k] : *p) k = k * Number::integer(l);
            replaced = c.mul({c.pow(polys.to_expr(*p), c.number(n)), c.pow(c.integer(r), c.number(Number::integer(-2) * n))});
        } else {
            continue;
        }
        std::vector<Expr> fs;
        for (std::size_t j = 0; j < e.size(); ++j) fs.push_back(j == i ? replaced : e[j]);
        Expr out = c.mul(fs);
        if (out != e && printed_tokens(out) < printed_tokens(e)) return out;
    }
    return Expr();
}

Expr roots_over_denominator(Expr e) {
    if (!e.is(Op::Add) || e.size() > kMaxSumTerms) return Expr();
    std::size_t budget = 300;
    if (e.height() > 12 || !small_tree(e, budget)) return Expr();
    // The bases raised to a half-integer power somewhere in the sum.
    std::vector<Expr> bases;
    auto note = [&](Expr f) {
        if (f.is(Op::Pow) && f[1].is_number() && f[1].number().is_exact() && f[1].number().den() == 2 &&
            std::find(bases.begin(), bases.end(), f[0]) == bases.end())
            bases.push_back(f[0]);
    };
    for (std::size_t i = 0; i < e.size(); ++i) {
        if (e[i].is(Op::Mul))
            for (std::size_t j = 0; j < e[i].size(); ++j) note(e[i][j]);
        else
            note(e[i]);
    }
    if (bases.empty() || bases.size() > 3) return Expr();
    // Each base to the lowest power any term has it to, taken out of every term: the terms
    // left are integer powers, for polynomial_form and the fractions rule to combine.
    Context& c = e.context();
    std::vector<Expr> front;
    std::vector<Expr> terms(e.size());
    for (std::size_t i = 0; i < e.size(); ++i) terms[i] = e[i];
    for (Expr b : bases) {
        Number low = exponent_of(e[0], b);
        bool same_fraction = true;
        for (std::size_t i = 0; i < e.size() && same_fraction; ++i) {
            const Number k = exponent_of(e[i], b);
            if (!k.is_exact()) return Expr();
            same_fraction = (k - low).is_integer();
            if (k.value() < low.value()) low = k;
        }
        if (!same_fraction || low.is_integer()) continue;
        front.push_back(c.pow(b, c.number(low)));
        for (Expr& t : terms) t = c.mul({t, c.pow(b, c.number(-low))});
    }
    if (front.empty()) return Expr();
    front.push_back(Expr()); // the inner sum's place
    Expr inner = c.add(terms);
    std::vector<Expr> candidates{inner};
    Polys polys(c);
    if (auto p = polys.of(inner)) polynomial_candidates(polys, *p, candidates);
    if (auto q = combine_fractions(inner); !q.is_null()) candidates.push_back(q);
    Expr best;
    std::size_t fewest = printed_tokens(e);
    for (Expr candidate : candidates) {
        front.back() = candidate;
        Expr r = c.mul(front);
        if (const std::size_t t = printed_tokens(r); t < fewest) {
            best = r;
            fewest = t;
        }
    }
    return best == e ? Expr() : best;
}

} // namespace symdiff::detail
