// The simplification rules, as data: one table, grouped by the op at the root of the left side.
//
// Each rule preserves the value wherever the expression is defined (finite, not nan). A rule
// fires only where it lowers simplify_cost() (by at least `min_saving`), so no rule can undo
// another and the driver terminates. Never add both directions of an identity.
#include "rules.hpp"

#include <algorithm>
#include <iterator>

#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {

namespace {

Context& ctx_of(Expr e) { return const_cast<Context&>(e.context()); }

// Splits a product into its numeric coefficient and (base, exponent) factors.
struct Factors {
    Number coef = Number::integer(1);
    std::vector<std::pair<Expr, Expr>> powers;
};

Factors factors_of(Expr t) {
    Factors f;
    auto one = [&](Expr x) {
        if (x.is_number()) f.coef = f.coef * x.number();
        else if (x.is(Op::Pow)) f.powers.emplace_back(x[0], x[1]);
        else f.powers.emplace_back(x, Expr());
    };
    if (t.is(Op::Mul))
        for (std::size_t i = 0; i < t.size(); ++i) one(t[i]);
    else one(t);
    return f;
}

// A positive integer exponent: a null exponent stands for 1.
std::int64_t positive_power(Expr exponent) {
    if (exponent.is_null()) return 1;
    if (exponent.is_number() && exponent.number().is_integer() && exponent.number().num() > 0)
        return exponent.number().num();
    return 0;
}

// a*b + a*c -> a*(b + c): pulls the non-numeric factors common to every term of a sum out in
// front, each to the smallest positive integer power it has in the terms. Dividing a term by
// the common factor is exact symbolic cancellation (the constructors merge b^k*b^-m into
// b^(k-m)), never a division at run time, so no value changes where the sum is defined.
// Numeric coefficients stay inside, so -2*(1 - x) - 400*x*(y - x^2) keeps its textbook shape,
// and a factor made only of powers of variables stays inside too.
Expr common_factor(Expr e) {
    if (!e.is(Op::Add) || e.size() > 64) return Expr();
    Context& c = ctx_of(e);
    std::vector<Factors> terms;
    for (std::size_t i = 0; i < e.size(); ++i) terms.push_back(factors_of(e[i]));
    std::vector<Expr> common;
    bool worth_it = false;
    for (const auto& [base, ex] : terms[0].powers) {
        std::int64_t m = positive_power(ex);
        if (m == 0) {
            // a factor such as x^x or sqrt(u) is common when every term has the very same one
            Expr whole = ex.is_null() ? base : c.pow(base, ex);
            bool everywhere = true;
            for (std::size_t t = 1; t < terms.size() && everywhere; ++t) {
                bool here = false;
                for (const auto& [b2, e2] : terms[t].powers) here |= b2 == base && e2 == ex;
                everywhere = here;
            }
            if (everywhere) {
                common.push_back(whole);
                worth_it = true;
            }
            continue;
        }
        for (std::size_t t = 1; t < terms.size() && m > 0; ++t) {
            std::int64_t here = 0;
            for (const auto& [b2, e2] : terms[t].powers)
                if (b2 == base) here = positive_power(e2);
            m = std::min(m, here);
        }
        if (m == 0) continue;
        common.push_back(c.pow(base, c.integer(m)));
        // Pulling out only powers of plain variables undoes the textbook's expanded form
        // (x^2 + x*cos(x*y) is not x*(x + cos(x*y)) in any tutorial).
        worth_it |= !base.is_symbol();
    }
    if (!worth_it) return Expr();
    if (common.empty()) return Expr();
    Expr f = c.mul(common);
    Expr finv = c.pow(f, c.integer(-1));
    std::vector<Expr> inner;
    for (std::size_t i = 0; i < e.size(); ++i) inner.push_back(c.mul({e[i], finv}));
    return c.mul({f, c.add(inner)});
}

// k*sin(a)^2 + k*cos(a)^2 -> k, for any coefficient k and beside other terms: the
// Pythagorean identity where the pattern rule's fixed coefficient 1 does not reach.
Expr pythagorean_scaled(Expr e) {
    if (!e.is(Op::Add) || e.size() > 64) return Expr();
    Context& c = ctx_of(e);
    for (std::size_t i = 0; i < e.size(); ++i) {
        Factors fi = factors_of(e[i]);
        if (fi.powers.size() != 1 || !fi.powers[0].first.is(Op::Sin) || fi.powers[0].second.is_null() ||
            !fi.powers[0].second.is_integer(2))
            continue;
        Expr target = c.mul({c.number(fi.coef), c.pow(c.call(Op::Cos, {fi.powers[0].first[0]}), c.integer(2))});
        for (std::size_t j = 0; j < e.size(); ++j) {
            if (e[j] != target) continue;
            std::vector<Expr> rest{c.number(fi.coef)};
            for (std::size_t k = 0; k < e.size(); ++k)
                if (k != i && k != j) rest.push_back(e[k]);
            return c.add(rest);
        }
    }
    return Expr();
}

// cos(-2*x) -> cos(2*x): cos, cosh and abs are even, so a negative coefficient of their
// argument can change sign.
Expr even_function(Expr e) {
    if (!(e.is(Op::Cos) || e.is(Op::Cosh) || e.is(Op::Abs))) return Expr();
    Expr a = e[0];
    if (!a.is(Op::Mul) || !a[0].is_number() || !a[0].number().is_negative()) return Expr();
    Context& c = ctx_of(e);
    return c.call(e.op(), {c.neg(a)});
}

struct RuleDef {
    RuleInfo info;
    Expr (*code)(Expr) = nullptr; // for rules written as code; lhs/rhs then describe them
    std::uint64_t min_saving = 1;
};

const RuleDef kRules[] = {
    // --- add
    {{"pythagorean", "(add (pow (sin ?a) 2) (pow (cos ?a) 2))", "1", ""}},
    {{"pythagorean-scaled", "k*sin(a)^2 + k*cos(a)^2 + rest", "k + rest", ""}, pythagorean_scaled},
    {{"one-minus-sin2", "(add 1 (mul -1 (pow (sin ?a) 2)))", "(pow (cos ?a) 2)", ""}},
    {{"one-minus-cos2", "(add 1 (mul -1 (pow (cos ?a) 2)))", "(pow (sin ?a) 2)", ""}},
    {{"cosh2-minus-sinh2", "(add (pow (cosh ?a) 2) (mul -1 (pow (sinh ?a) 2)))", "1", ""}},
    // Only where it saves at least two nodes: 2*x*sin(x) + x^2*cos(x) stays as the product
    // rule gives it, while s*(1 - s)^2 - s^2*(1 - s) becomes s*(1 - s)*(1 - 2*s).
    {{"common-factor", "a*b + a*c", "a*(b + c)", "a not a number; saves two nodes"}, common_factor, 2},

    // --- mul
    {{"exp-product", "(mul (exp ?a) (exp ?b))", "(exp (add ?a ?b))", ""}},
    {{"sign-abs", "(mul (sign ?a) (abs ?a))", "?a", ""}},
    {{"sin-over-cos", "(mul (sin ?a) (pow (cos ?a) -1))", "(tan ?a)", ""}},

    // --- pow
    {{"sqrt-of-square", "(pow (pow ?a 2) 1/2)", "(abs ?a)", ""}},
    {{"abs-squared", "(pow (abs ?a) 2)", "(pow ?a 2)", ""}},

    // --- functions
    // exp(ln a) = a for a > 0, and at a = 0 (exp(-inf) = 0); ln a is nan for a < 0.
    {{"exp-ln", "(exp (ln ?a))", "?a", ""}},
    {{"even-function", "f(c*a) for f in cos, cosh, abs and a number c < 0", "f(-c*a)", ""}, even_function},
};

struct Compiled {
    std::vector<Pattern> lhs, rhs;
};

const Compiled& compiled() {
    static const Compiled c = [] {
        Compiled out;
        for (const RuleDef& r : kRules) {
            if (r.code) {
                out.lhs.emplace_back();
                out.rhs.emplace_back();
                continue;
            }
            out.lhs.push_back(read_pattern(r.info.lhs));
            out.rhs.push_back(read_pattern(r.info.rhs));
        }
        return out;
    }();
    return c;
}

} // namespace

std::size_t rule_count() { return std::size(kRules); }

const RuleInfo& rule_info(std::size_t i) { return kRules[i].info; }

std::uint64_t rule_min_saving(std::size_t i) { return kRules[i].min_saving; }

Expr try_rule(std::size_t i, Expr e) {
    const RuleDef& r = kRules[i];
    if (r.code) return r.code(e);
    const Compiled& cr = compiled();
    Binding b;
    std::vector<Expr> rest;
    if (!match_pattern(cr.lhs[i], e, b, &rest)) return Expr();
    Context& c = ctx_of(e);
    Expr out = instantiate(cr.rhs[i], c, b);
    if (rest.empty()) return out;
    rest.push_back(out);
    return e.is(Op::Add) ? c.add(rest) : c.mul(rest);
}

} // namespace symdiff::detail
