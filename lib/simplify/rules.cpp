// The simplification rules, as data: one table, grouped by the op at the root of the left side.
//
// Each rule preserves the value wherever the expression is defined (finite, not nan). A rule
// fires only where it lowers simplify_cost() (by at least `min_saving`), so no rule can undo
// another and the driver terminates. Never add both directions of an identity.
#include "rules.hpp"

#include "rational.hpp"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <unordered_map>
#include <unordered_set>

#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {

namespace {


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
    Context& c = e.context();
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
    Context& c = e.context();
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

// k*sin(u)*cos(u) -> (k/2)*sin(2*u), k*sinh(u)*cosh(u) -> (k/2)*sinh(2*u), for an even
// integer k: the double angle, as SymPy's simplify writes d/dx sin(x)^2 = sin(2*x).
Expr double_angle(Expr e) {
    if (!e.is(Op::Mul) || !e[0].is_number() || e.size() > 64) return Expr();
    const Number k = e[0].number();
    if (!k.is_integer() || k.num() % 2 != 0) return Expr();
    Context& c = e.context();
    for (std::size_t i = 1; i < e.size(); ++i) {
        const Op partner = e[i].is(Op::Sin) ? Op::Cos : e[i].is(Op::Sinh) ? Op::Cosh : Op::Num;
        if (partner == Op::Num) continue;
        Expr other = c.call(partner, {e[i][0]});
        for (std::size_t j = 1; j < e.size(); ++j) {
            if (e[j] != other) continue;
            std::vector<Expr> fs{c.integer(k.num() / 2), c.call(e[i].op(), {c.mul({c.integer(2), e[i][0]})})};
            for (std::size_t m = 1; m < e.size(); ++m)
                if (m != i && m != j) fs.push_back(e[m]);
            return c.mul(fs);
        }
    }
    return Expr();
}

// (b^p)^q -> b^(p*q) where both sides are defined for the same b, b >= 0: p a half-integer
// (sqrt(sqrt(x)) -> x^(1/4)), or p an odd integer and q a half-integer (sqrt(x^3) -> x^(3/2),
// sqrt(1/x) -> x^(-1/2)). An even p would need abs(b).
Expr root_of_power(Expr e) {
    if (!e.is(Op::Pow) || !e[0].is(Op::Pow) || !e[1].is_number() || !e[0][1].is_number()) return Expr();
    const Number p = e[0][1].number(), q = e[1].number();
    if (!p.is_exact() || !q.is_exact() || p.is_decimal() || q.is_decimal()) return Expr();
    const bool half_p = p.den() == 2 && !q.is_integer();
    const bool odd_p = p.is_integer() && p.num() % 2 != 0 && q.den() == 2;
    if (!half_p && !odd_p) return Expr();
    Context& c = e.context();
    return c.pow(e[0][0], c.number(p * q));
}

// A sum with sin(u)^2 or cos(u)^2 over a denominator, combined, where the numerator then
// has sin(u)^2 + cos(u)^2 in it: sin(x)^2/cos(x)^2 + 1 -> 1/cos(x)^2,
// cos(x)*(cos(x) - 1)/sin(x)^2 + 1 -> (1 - cos(x))/sin(x)^2.
Expr pythagorean_over_denominator(Expr e) {
    if (!e.is(Op::Add) || e.size() > 8) return Expr();
    bool square = false, below = false;
    for (std::size_t i = 0; i < e.size(); ++i)
        for (const auto& [b, x] : factors_of(e[i]).powers) {
            if (x.is_null() || !x.is_number() || !x.number().is_integer()) continue;
            square |= (b.is(Op::Sin) || b.is(Op::Cos)) && std::abs(x.number().num()) == 2;
            below |= x.number().is_negative();
        }
    if (!square || !below) return Expr();
    Expr q = detail::combine_fractions(e);
    if (q.is_null() || !q.is(Op::Mul)) return Expr();
    Context& c = e.context();
    std::vector<Expr> fs;
    bool done = false;
    for (std::size_t i = 0; i < q.size(); ++i) {
        Expr f = q[i];
        if (!done && f.is(Op::Add)) {
            if (Expr r = pythagorean_scaled(f); !r.is_null()) {
                f = r;
                done = true;
            }
        }
        fs.push_back(f);
    }
    return done ? c.mul(fs) : Expr();
}

// cos(-2*x) -> cos(2*x): cos, cosh and abs are even, so a negative coefficient of their
// argument can change sign.
Expr even_function(Expr e) {
    if (!(e.is(Op::Cos) || e.is(Op::Cosh) || e.is(Op::Abs))) return Expr();
    Expr a = e[0];
    if (!a.is(Op::Mul) || !a[0].is_number() || !a[0].number().is_negative()) return Expr();
    Context& c = e.context();
    return c.call(e.op(), {c.neg(a)});
}

bool is_scalar_reduction(Expr e) { return e.is(Op::Sum) || e.is(Op::RowSum) || e.is(Op::RowMean); }

// The reduction r (same index and bounds) over another body.
Expr with_body(Context& c, Expr r, Expr body) {
    switch (r.op()) {
    case Op::Sum: return c.sum(r[0], r[1], r[2], body);
    case Op::RowSum: return c.row_sum(body);
    default: return c.row_mean(body);
    }
}

// The terms of t multiplied out, through nested sums and products (x*(1 - (1 - s)) gives x*s
// as one term; powers and function arguments stay as they are). Empty if that makes more
// than `cap` terms.
std::vector<Expr> expand_terms(Context& c, Expr t, std::size_t cap) {
    if (t.is(Op::Add)) {
        std::vector<Expr> out;
        for (std::size_t i = 0; i < t.size(); ++i) {
            std::vector<Expr> part = expand_terms(c, t[i], cap);
            if (part.empty() || out.size() + part.size() > cap) return {};
            out.insert(out.end(), part.begin(), part.end());
        }
        return out;
    }
    if (!t.is(Op::Mul)) return {t};
    std::vector<Expr> out{c.integer(1)};
    for (std::size_t i = 0; i < t.size(); ++i) {
        std::vector<Expr> f = expand_terms(c, t[i], cap);
        if (f.empty() || out.size() * f.size() > cap) return {};
        std::vector<Expr> next;
        for (Expr p : out)
            for (Expr q : f) next.push_back(c.mul({p, q}));
        out.swap(next);
    }
    return out;
}

// The nodes of e outside reductions, each once: a rule may look at and rewrite these, but not
// the inside of a sum, whose index a rewrite from outside would not know is bound. Empty past
// `limit` nodes: simplify tries the rules at every node, and a walk of each whole subtree
// would make it quadratic in the depth.
std::vector<Expr> outside_reductions(Expr e, std::size_t limit) {
    std::vector<Expr> out;
    std::unordered_set<NodeId> seen;
    std::vector<Expr> stack{e};
    while (!stack.empty()) {
        Expr t = stack.back();
        stack.pop_back();
        if (!seen.insert(t.id()).second) continue;
        if (out.size() == limit) return {};
        out.push_back(t);
        if (is_reduction(t.op())) continue;
        for (std::size_t i = 0; i < t.size(); ++i) stack.push_back(t[i]);
    }
    return out;
}

// e with the nodes `from` replaced by `to` outside reductions, rebuilt canonically.
Expr replace_outside_reductions(Expr e, const std::vector<std::pair<Expr, Expr>>& reps) {
    Context& c = e.context();
    std::unordered_map<NodeId, Expr> done;
    std::vector<std::pair<Expr, bool>> stack{{e, false}};
    while (!stack.empty()) {
        auto [t, expanded] = stack.back();
        stack.pop_back();
        if (done.count(t.id())) continue;
        Expr hit;
        for (const auto& [from, to] : reps)
            if (t == from) hit = to;
        if (!hit.is_null() || t.size() == 0 || is_reduction(t.op())) {
            done.emplace(t.id(), hit.is_null() ? t : hit);
            continue;
        }
        if (!expanded) {
            stack.emplace_back(t, true);
            for (std::size_t i = 0; i < t.size(); ++i) stack.emplace_back(t[i], false);
            continue;
        }
        std::vector<Expr> kids;
        bool same = true;
        for (std::size_t i = 0; i < t.size(); ++i) {
            kids.push_back(done.at(t.child_ids()[i]));
            same = same && kids.back() == t[i];
        }
        done.emplace(t.id(), same ? t : c.rebuild(t, kids));
    }
    return done.at(e.id());
}

// sigmoid(-u) = 1 - sigmoid(u). In a sum that holds both sigmoid(u) and sigmoid(-u),
// writing the one with the negative argument as 1 - sigmoid(u) and multiplying out lets the
// complementary terms cancel: the derivative of a cross-entropy,
// x*y*sigmoid(-z) - x*(1 - y)*sigmoid(z), is x*(y - sigmoid(z)), and its second derivative
// x^2*sigmoid(z)*(1 - sigmoid(z)). Factors common to every term left are taken out in front
// (variables too: x*(y - sigmoid(z)) is the textbook's form); the driver keeps the result
// only where it is cheaper.
Expr sigmoid_complement(Expr e) {
    if (!e.is(Op::Add) || e.size() > 16) return Expr();
    Context& c = e.context();
    std::vector<Expr> sigmoids;
    for (Expr t : outside_reductions(e, 512))
        if (t.is(Op::Sigmoid)) sigmoids.push_back(t);
    std::vector<std::pair<Expr, Expr>> complement;
    for (Expr s : sigmoids) {
        Expr u = s[0];
        if (!(u.is(Op::Mul) && u[0].is_number() && u[0].number().is_negative())) continue;
        Expr positive = c.call(Op::Sigmoid, {c.neg(u)});
        if (std::find(sigmoids.begin(), sigmoids.end(), positive) != sigmoids.end())
            complement.emplace_back(s, c.sub(c.integer(1), positive));
    }
    if (complement.empty()) return Expr();
    std::vector<Expr> terms;
    for (std::size_t i = 0; i < e.size(); ++i) {
        std::vector<Expr> expanded = expand_terms(c, replace_outside_reductions(e[i], complement), 64);
        if (expanded.empty()) return Expr();
        terms.insert(terms.end(), expanded.begin(), expanded.end());
    }
    Expr sum = c.add(terms);
    if (!sum.is(Op::Add)) return sum;
    // the factors every term has, to the smallest positive integer power
    std::vector<Factors> fs;
    for (std::size_t i = 0; i < sum.size(); ++i) fs.push_back(factors_of(sum[i]));
    std::vector<Expr> common;
    for (const auto& [base, ex] : fs[0].powers) {
        std::int64_t m = positive_power(ex);
        for (std::size_t t = 1; t < fs.size() && m > 0; ++t) {
            std::int64_t here = 0;
            for (const auto& [b2, e2] : fs[t].powers)
                if (b2 == base) here = positive_power(e2);
            m = std::min(m, here);
        }
        if (m > 0) common.push_back(c.pow(base, c.integer(m)));
    }
    if (common.empty()) return sum;
    Expr f = c.mul(common);
    Expr finv = c.pow(f, c.integer(-1));
    std::vector<Expr> inner;
    for (std::size_t i = 0; i < sum.size(); ++i) inner.push_back(c.mul({sum[i], finv}));
    return c.mul({f, c.add(inner)});
}

// -x*(y - s) -> x*(s - y): a lone minus sign goes into the one difference of a product, as
// the tutorials write (o - y)*h rather than -(y - o)*h. The driver keeps it only where the
// difference does not get longer, so -(a + b) stays. A difference with a constant, 1 - s,
// keeps its textbook shape (and its common factor with s*(1 - s) elsewhere in a sum).
Expr negate_difference(Expr e) {
    if (!e.is(Op::Mul) || !e[0].is_integer(-1)) return Expr();
    Context& c = e.context();
    std::size_t sums = 0, at = 0;
    for (std::size_t i = 1; i < e.size(); ++i)
        if (e[i].is(Op::Add)) {
            ++sums;
            at = i;
        }
    if (sums != 1 || e[at][0].is_number()) return Expr();
    std::vector<Expr> fs, t;
    for (std::size_t i = 0; i < e[at].size(); ++i) t.push_back(c.neg(e[at][i]));
    for (std::size_t i = 1; i < e.size(); ++i) fs.push_back(i == at ? c.add(t) : e[i]);
    return c.mul(fs);
}

// The constructors of sum and mean take a numeric factor out of the summand, so the minus
// sign of a summand such as -x*(y - sigmoid(z)) ends up in front of the reduction. It goes
// back in where the summand has a difference to flip: -mean(x*(y - s)) -> mean(x*(s - y)).
// Only a lone -1: -2*mean(x*(y - w*x - b)) keeps the tutorial's residual y - (w*x + b).
Expr negate_into_reduction(Expr e) {
    if (!e.is(Op::Mul) || e.size() != 2 || !e[0].is_integer(-1) || !is_scalar_reduction(e[1])) return Expr();
    Context& c = e.context();
    Expr r = e[1], body = r[r.size() - 1];
    auto negated = [&](Expr sum) {
        std::vector<Expr> t;
        for (std::size_t i = 0; i < sum.size(); ++i) t.push_back(c.neg(sum[i]));
        return c.add(t);
    };
    if (body.is(Op::Add)) return with_body(c, r, negated(body));
    if (!body.is(Op::Mul)) return Expr();
    std::size_t sums = 0, at = 0;
    for (std::size_t i = 0; i < body.size(); ++i)
        if (body[i].is(Op::Add)) {
            ++sums;
            at = i;
        }
    if (sums != 1) return Expr();
    std::vector<Expr> fs;
    for (std::size_t i = 0; i < body.size(); ++i) fs.push_back(i == at ? negated(body[i]) : body[i]);
    return with_body(c, r, c.mul(fs));
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
    {{"cos2-minus-sin2", "(add (pow (cos ?a) 2) (mul -1 (pow (sin ?a) 2)))", "(cos (mul 2 ?a))", ""}},
    {{"cosh2-plus-sinh2", "(add (pow (cosh ?a) 2) (pow (sinh ?a) 2))", "(cosh (mul 2 ?a))", ""}},
    {{"pythagorean-over-denominator", "a sum with sin(a)^2 or cos(a)^2 over a denominator",
      "combined, and sin(a)^2 + cos(a)^2 = 1 in the numerator", ""},
     pythagorean_over_denominator, 0},
    // Only where it saves at least two nodes: 2*x*sin(x) + x^2*cos(x) stays as the product
    // rule gives it, while s*(1 - s)^2 - s^2*(1 - s) becomes s*(1 - s)*(1 - 2*s).
    {{"common-factor", "a*b + a*c", "a*(b + c)", "a not a number; saves two nodes"}, common_factor, 2},
    // Quotient-rule results over one denominator: 2/(x - 1) - (2*x + 1)/(x - 1)^2 -> -3/(x - 1)^2.
    {{"combine-fractions", "a/b + c/d, or a/b alone",
      "(a*d + c*b)/(b*d), expanded, with the polynomial factors of b and d that divide it cancelled",
      "a polynomial numerator with exact coefficients, within bounds"},
     combine_fractions},
    // Fewer printed tokens, not fewer nodes: 800*x^2 - 400*(y - x^2) + 2 and
    // 1200*x^2 - 400*y + 2 have as many nodes. Sums only (rewriting every product inside a
    // sum first doubled the work on a large gradient).
    {{"polynomial-form", "a sum of polynomial terms",
      "multiplied out, or with the monomial all terms share in front, whichever prints shorter",
      "fewer printed tokens, and no more terms than the sum has"},
     polynomial_form_of_sum, 0},
    {{"nested-fraction", "a*(b/c + d)^n", "a*(b + d*c)^n/c^n, or a square content out of a root",
      "fewer printed tokens"},
     nested_fraction, 0},
    {{"fraction-into-sum", "(p/q)*(a + b)", "p*(a/q + b/q), when q divides every coefficient", ""},
     fraction_into_sum, 0},
    {{"roots-over-denominator", "a sum of terms with b^(k/2), k odd, in each",
      "b to the lowest of those powers in front, the rest combined",
      "fewer printed tokens; no more nodes"},
     roots_over_denominator, 0},
    {{"sigmoid-complement", "p*sigmoid(-u) + q*sigmoid(u) + rest",
      "the sum with sigmoid(-u) = 1 - sigmoid(u), multiplied out, common factors in front", ""},
     sigmoid_complement},

    // --- mul
    {{"exp-product", "(mul (exp ?a) (exp ?b))", "(exp (add ?a ?b))", ""}},
    {{"sign-abs", "(mul (sign ?a) (abs ?a))", "?a", ""}},
    {{"sin-over-cos", "(mul (sin ?a) (pow (cos ?a) -1))", "(tan ?a)", ""}},
    {{"cos-over-sin", "(mul (cos ?a) (pow (sin ?a) -1))", "(pow (tan ?a) -1)", ""}},
    {{"tan-times-cos", "(mul (tan ?a) (cos ?a))", "(sin ?a)", ""}},
    {{"tan-times-cos-squared", "(mul (pow (tan ?a) -2) (pow (cos ?a) -2))", "(pow (sin ?a) -2)", ""}},
    {{"double-angle", "k*sin(u)*cos(u), k*sinh(u)*cosh(u)", "(k/2)*sin(2*u), (k/2)*sinh(2*u)", "k an even integer"},
     double_angle, 0},
    {{"negate-difference", "-a*(b - c)", "a*(c - b)", "a lone factor -1 and one sum among the factors"},
     negate_difference},
    {{"negate-into-reduction", "-sum(a*(b - c)), -mean(b - c)", "sum(a*(c - b)), mean(c - b)",
      "a lone factor -1; the summand has one difference to flip"},
     negate_into_reduction},

    // --- pow
    {{"sqrt-of-square", "(pow (pow ?a 2) 1/2)", "(abs ?a)", ""}},
    {{"abs-squared", "(pow (abs ?a) 2)", "(pow ?a 2)", ""}},
    {{"root-of-power", "(b^p)^q", "b^(p*q)", "p a half-integer, or p odd and q a half-integer"}, root_of_power, 0},

    // --- functions
    // exp(ln a) = a for a > 0, and at a = 0 (exp(-inf) = 0); ln a is nan for a < 0.
    {{"exp-ln", "(exp (ln ?a))", "?a", ""}},
    {{"even-function", "f(c*a) for f in cos, cosh, abs and a number c < 0", "f(-c*a)", ""}, even_function},
};

struct Compiled {
    std::vector<Pattern> lhs, rhs;
    std::vector<std::uint64_t> needs; // functions the lhs has among its operands' operands
};

std::uint64_t function_bit(Op op) {
    return op_kind(op) == OpKind::Function ? std::uint64_t{1} << (static_cast<unsigned>(op) % 64) : 0;
}

// The functions in a pattern's operands and their operands: a node without all of them among
// its own cannot match, which skips most patterns on a large gradient without matching.
std::uint64_t pattern_needs(const Pattern& p) {
    std::uint64_t m = 0;
    for (const Pattern& k : p.kids) {
        if (k.kind != Pattern::Kind::Node) continue;
        m |= function_bit(k.op);
        for (const Pattern& g : k.kids)
            if (g.kind == Pattern::Kind::Node) m |= function_bit(g.op);
    }
    return m;
}

std::uint64_t node_has(Expr e) {
    std::uint64_t m = 0;
    for (std::size_t i = 0; i < e.size(); ++i) {
        m |= function_bit(e[i].op());
        for (std::size_t j = 0; j < e[i].size(); ++j) m |= function_bit(e[i][j].op());
    }
    return m;
}

const Compiled& compiled() {
    static const Compiled c = [] {
        Compiled out;
        for (const RuleDef& r : kRules) {
            if (r.code) {
                out.lhs.emplace_back();
                out.rhs.emplace_back();
                out.needs.push_back(0);
                continue;
            }
            out.lhs.push_back(read_pattern(r.info.lhs));
            out.rhs.push_back(read_pattern(r.info.rhs));
            out.needs.push_back(pattern_needs(out.lhs.back()));
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
    if (cr.lhs[i].kind == Pattern::Kind::Node && cr.lhs[i].op != e.op()) return Expr();
    if (const std::uint64_t needs = cr.needs[i]; needs != 0 && (node_has(e) & needs) != needs) return Expr();
    Captures b;
    std::vector<Expr> rest;
    if (!match_pattern(cr.lhs[i], e, b, &rest)) return Expr();
    Context& c = e.context();
    Expr out = instantiate(cr.rhs[i], c, b);
    if (rest.empty()) return out;
    rest.push_back(out);
    return e.is(Op::Add) ? c.add(rest) : c.mul(rest);
}

} // namespace symdiff::detail
