// Polynomials over the rationals in a few generators, for rational.cpp's rewrites: a generator
// is any subexpression that is not a sum, product or integer power (a symbol, sin(x),
// sqrt(x)), an opaque unknown.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "printed_size.hpp"
#include "symdiff/expr.hpp"

namespace symdiff::detail {

// Bounds that keep one attempt cheap: generators, terms of any polynomial met on the way,
// the power a sum may be raised to, and the steps of one division.
constexpr std::size_t kMaxGens = 8;
constexpr std::size_t kMaxTerms = 200;
constexpr std::int64_t kMaxPower = 12;
constexpr int kMaxDivisionSteps = 2000;
constexpr std::size_t kMaxSumTerms = 32;

using Mono = std::array<std::uint16_t, kMaxGens>; // exponent of each generator
// Lexicographic order of Mono (std::array's <) is a monomial order, so the last entry of the
// map is the leading term and exact division by leading terms is a test of divisibility.
using Poly = std::map<Mono, Number>;

class Polys {
public:
    explicit Polys(Context& c) : c_(c) {}
    Context& context() const { return c_; }

    // e as a polynomial, or nullopt (a double coefficient, too many terms or generators).
    std::optional<Poly> of(Expr e) {
        switch (e.op()) {
        case Op::Num: {
            if (!e.number().is_exact()) return std::nullopt;
            return constant(e.number());
        }
        case Op::Add: {
            Poly r;
            for (std::size_t i = 0; i < e.size(); ++i) {
                auto t = of(e[i]);
                if (!t || !add_to(r, *t, Number::integer(1))) return std::nullopt;
            }
            return r;
        }
        case Op::Mul: {
            Poly r = constant(Number::integer(1));
            for (std::size_t i = 0; i < e.size(); ++i) {
                auto f = of(e[i]);
                if (!f) return std::nullopt;
                auto p = times(r, *f);
                if (!p) return std::nullopt;
                r = std::move(*p);
            }
            return r;
        }
        case Op::Pow:
            if (e[1].is_number() && e[1].number().is_integer() && e[1].number().num() > 1) {
                const std::int64_t n = e[1].number().num();
                if (!e[0].is(Op::Add)) {
                    // A power of one term: its exponents scaled, no multiplying out.
                    auto b = of(e[0]);
                    if (!b || b->size() != 1) return std::nullopt;
                    Mono m = b->begin()->first;
                    const Number c = b->begin()->second;
                    auto cn = Number::pow(c, e[1].number());
                    if (!cn || !cn->is_exact()) return std::nullopt;
                    for (auto& k : m) {
                        if (k * n > 4096) return std::nullopt;
                        k = static_cast<std::uint16_t>(k * n);
                    }
                    Poly p;
                    p[m] = *cn;
                    return p;
                }
                if (n > kMaxPower) return std::nullopt;
                auto b = of(e[0]);
                if (!b) return std::nullopt;
                return power(*b, n);
            }
            break;
        default:
            break;
        }
        return generator(e);
    }

    static Poly constant(const Number& n) {
        Poly p;
        if (!n.is_zero()) p[Mono{}] = n.as_fraction();
        return p;
    }

    // r += k * p; false when a coefficient leaves the exact range.
    static bool add_to(Poly& r, const Poly& p, const Number& k) {
        for (const auto& [m, c] : p) {
            Number v = r.count(m) ? r[m] + k * c : k * c;
            if (!v.is_exact()) return false;
            if (v.is_zero()) r.erase(m);
            else r[m] = v;
        }
        return r.size() <= kMaxTerms;
    }

    static std::optional<Poly> times(const Poly& a, const Poly& b) {
        Poly r;
        for (const auto& [ma, ca] : a)
            for (const auto& [mb, cb] : b) {
                Mono m{};
                for (std::size_t i = 0; i < kMaxGens; ++i) {
                    if (ma[i] + mb[i] > 4096) return std::nullopt;
                    m[i] = static_cast<std::uint16_t>(ma[i] + mb[i]);
                }
                Number v = ca * cb;
                if (auto it = r.find(m); it != r.end()) v = it->second + v;
                if (!v.is_exact()) return std::nullopt;
                if (v.is_zero()) r.erase(m);
                else r[m] = v;
                if (r.size() > kMaxTerms) return std::nullopt;
            }
        return r;
    }

    static std::optional<Poly> power(const Poly& b, std::int64_t n) {
        Poly r = constant(Number::integer(1));
        for (std::int64_t i = 0; i < n; ++i) {
            auto p = times(r, b);
            if (!p) return std::nullopt;
            r = std::move(*p);
        }
        return r;
    }

    // a / b when b divides a exactly, else nullopt.
    static std::optional<Poly> divide(Poly a, const Poly& b) {
        if (b.empty()) return std::nullopt;
        const auto& [mb, cb] = *b.rbegin();
        Poly q;
        for (int step = 0; !a.empty(); ++step) {
            if (step > kMaxDivisionSteps) return std::nullopt;
            const auto [ma, ca] = *a.rbegin();
            Mono m{};
            for (std::size_t i = 0; i < kMaxGens; ++i) {
                if (ma[i] < mb[i]) return std::nullopt;
                m[i] = static_cast<std::uint16_t>(ma[i] - mb[i]);
            }
            Number k = ca / cb;
            if (!k.is_exact()) return std::nullopt;
            q[m] = k;
            Poly t;
            t[m] = k;
            auto kb = times(t, b);
            if (!kb || !add_to(a, *kb, Number::integer(-1))) return std::nullopt;
        }
        return q;
    }

    bool generator_is_symbol(std::size_t i) const { return i < gens_.size() && gens_[i].is(Op::Sym); }

    // About the tokens p prints in, without making its nodes (see printed_size.hpp).
    std::size_t estimate(const Poly& p) {
        std::size_t n = p.size() > 1 ? p.size() - 1 : 0;
        for (const auto& [m, c] : p) {
            std::size_t factors = 0, t = 0;
            for (std::size_t i = 0; i < gens_.size(); ++i)
                if (m[i] > 0) {
                    if (gen_tokens_.size() <= i) gen_tokens_.resize(i + 1, 0);
                    if (gen_tokens_[i] == 0) {
                        std::size_t budget = 400;
                        gen_tokens_[i] = tokens(gens_[i], budget) + (gens_[i].is(Op::Add) ? 2 : 0);
                    }
                    t += gen_tokens_[i] + (m[i] > 1 ? 2 : 0);
                    ++factors;
                }
            const bool unit = c.is_integer() && (c.num() == 1 || c.num() == -1);
            if (!unit || factors == 0) {
                t += c.is_integer() ? 1 : 3;
                ++factors;
            }
            n += t + (factors > 1 ? factors - 1 : 0);
        }
        return n;
    }

    Expr to_expr(const Poly& p) {
        std::vector<Expr> terms;
        for (const auto& [m, c] : p) {
            std::vector<Expr> fs{c_.number(c)};
            for (std::size_t i = 0; i < gens_.size(); ++i)
                if (m[i] > 0) fs.push_back(c_.pow(gens_[i], c_.integer(m[i])));
            terms.push_back(c_.mul(fs));
        }
        return c_.add(terms);
    }

private:
    std::optional<Poly> generator(Expr e) {
        std::size_t i = std::find(gens_.begin(), gens_.end(), e) - gens_.begin();
        if (i == gens_.size()) {
            if (gens_.size() == kMaxGens) return std::nullopt;
            gens_.push_back(e);
        }
        Mono m{};
        m[i] = 1;
        Poly p;
        p[m] = Number::integer(1);
        return p;
    }

    Context& c_;
    std::vector<Expr> gens_;
    std::vector<std::size_t> gen_tokens_;
};

} // namespace symdiff::detail
