// stable_forms(): log-sum-exp and softmax ratios shifted by their largest exponent (stable.hpp).
#include "eval/stable.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace symdiff::detail {

namespace {


bool positive_number(Expr e) { return e.is_number() && e.number().value() > 0; }

// Whether a flat sum s (or a single term) is made of exp(u), c*exp(u) and c, with at least
// one exponential: the body of an indexed sum of exponentials.
bool exp_terms_shape(Expr s) {
    const std::size_t n = s.is(Op::Add) ? s.size() : 1;
    bool any_exp = false;
    for (std::size_t k = 0; k < n; ++k) {
        Expr t = s.is(Op::Add) ? s[k] : s;
        if (t.is(Op::Exp) || (t.is(Op::Mul) && t.size() == 2 && positive_number(t[0]) && t[1].is(Op::Exp)))
            any_exp = true;
        else if (!positive_number(t))
            return false;
    }
    return any_exp;
}

// A sum over an index or over data rows (or a mean over rows) of exponentials:
// sum(i = 1..n, exp(x[i])), mean(exp(w*x)).
bool exp_reduction_shape(Expr r) {
    if (r.is(Op::Sum)) return exp_terms_shape(r[3]);
    if (r.is(Op::RowSum) || r.is(Op::RowMean)) return exp_terms_shape(r[0]);
    return false;
}

// exp(u), c*exp(u), or an indexed sum of exponentials R or c*R.
bool exp_term_shape(Expr t) {
    if (t.is(Op::Mul) && t.size() == 2 && positive_number(t[0])) t = t[1];
    return t.is(Op::Exp) || exp_reduction_shape(t);
}

// Whether e is, or is a power of, a sum of exponentials; looks without making nodes.
bool exp_sum_shape(Expr s) {
    if (s.is(Op::Pow) && s[1].is_number()) s = s[0];
    if (exp_reduction_shape(s)) return true;
    if (!s.is(Op::Add) || s.size() < 2) return false;
    bool any_exp = false;
    for (std::size_t k = 0; k < s.size(); ++k) {
        Expr t = s[k];
        if (exp_term_shape(t))
            any_exp = true;
        else if (!positive_number(t))
            return false;
    }
    return any_exp;
}

// A sum of exponentials: every term is exp(u), c*exp(u) or c, with c a positive number (a
// constant is c*exp(0)), and at least one is an exponential. Signs are what make the shift
// safe: with positive terms the shifted sum lies in [c_max, total of the c], far from 0 and inf.
struct ExpSum {
    struct Term {
        Expr c; // null: 1
        Expr u; // null: 0
    };
    std::vector<Term> terms;
    Expr max;     // max of the exponents
    Expr shifted; // the sum with every exponent minus max
};

// An indexed sum of exponentials R = sum(i = lo..hi, Σ_j c_j*exp(u_j)) (or over data rows, or
// a mean over them) is exp(m)*R' with m = max over i of max_j u_j (a MaxOver or RowMax node,
// one pass before the sum's) and R' the same sum of Σ_j c_j*exp(u_j - m): a term at the
// maximum is c_j*exp(0), so R' is neither 0 nor inf whenever R has a term.
struct ShiftedReduction {
    Expr max;
    Expr shifted;
};

std::optional<ShiftedReduction> exp_reduction(Expr r) {
    if (!exp_reduction_shape(r)) return std::nullopt;
    Context& ctx = r.context();
    const Expr body = r.is(Op::Sum) ? r[3] : r[0];
    std::vector<ExpSum::Term> terms;
    for (std::size_t k = 0, n = body.is(Op::Add) ? body.size() : 1; k < n; ++k) {
        Expr t = body.is(Op::Add) ? body[k] : body;
        if (t.is(Op::Exp)) terms.push_back({Expr(), t[0]});
        else if (t.is(Op::Mul)) terms.push_back({t[0], t[1][0]});
        else terms.push_back({t, Expr()});
    }
    auto exponent = [&](const ExpSum::Term& t) { return t.u.is_null() ? ctx.integer(0) : t.u; };
    Expr inner = exponent(terms[0]);
    for (std::size_t k = 1; k < terms.size(); ++k) inner = ctx.call(Op::Max, {inner, exponent(terms[k])});
    ShiftedReduction s;
    s.max = r.is(Op::Sum) ? ctx.max_over(r[0], r[1], r[2], inner) : ctx.row_max(inner);
    std::vector<Expr> shifted;
    for (const ExpSum::Term& t : terms) {
        Expr e = ctx.call(Op::Exp, {exponent(t) - s.max});
        shifted.push_back(t.c.is_null() ? e : t.c * e);
    }
    Expr b = ctx.add(shifted);
    s.shifted = r.is(Op::Sum) ? ctx.sum(r[0], r[1], r[2], b) : r.is(Op::RowSum) ? ctx.row_sum(b) : ctx.row_mean(b);
    return s;
}

std::optional<ExpSum> exp_sum(Expr s) {
    if (auto r = exp_reduction(s)) {
        ExpSum one;
        one.terms.push_back({r->shifted, r->max});
        one.max = r->max;
        one.shifted = r->shifted;
        return one;
    }
    if (!s.is(Op::Add) || s.size() < 2) return std::nullopt;
    ExpSum r;
    bool any_exp = false;
    for (std::size_t k = 0; k < s.size(); ++k) {
        Expr t = s[k];
        if (t.is(Op::Exp)) {
            r.terms.push_back({Expr(), t[0]});
            any_exp = true;
        } else if (t.is(Op::Mul) && t.size() == 2 && positive_number(t[0]) && t[1].is(Op::Exp)) {
            r.terms.push_back({t[0], t[1][0]});
            any_exp = true;
        } else if (auto red = exp_reduction(t)) {
            r.terms.push_back({red->shifted, red->max});
            any_exp = true;
        } else if (t.is(Op::Mul) && t.size() == 2 && positive_number(t[0]) && (red = exp_reduction(t[1]))) {
            r.terms.push_back({t[0] * red->shifted, red->max});
            any_exp = true;
        } else if (positive_number(t)) {
            r.terms.push_back({t, Expr()});
        } else {
            return std::nullopt;
        }
    }
    if (!any_exp) return std::nullopt;
    Context& ctx = s.context();
    auto exponent = [&](const ExpSum::Term& t) { return t.u.is_null() ? ctx.integer(0) : t.u; };
    r.max = exponent(r.terms[0]);
    for (std::size_t k = 1; k < r.terms.size(); ++k) r.max = ctx.call(Op::Max, {r.max, exponent(r.terms[k])});
    std::vector<Expr> shifted;
    for (const ExpSum::Term& t : r.terms) {
        Expr e = ctx.call(Op::Exp, {exponent(t) - r.max});
        shifted.push_back(t.c.is_null() ? e : t.c * e);
    }
    r.shifted = ctx.add(shifted);
    return r;
}

// ln(s) for a sum of exponentials: max + ln(shifted).
Expr log_sum_exp(const ExpSum& s) {
    Context& ctx = s.max.context();
    return s.max + ctx.call(Op::Log, {s.shifted});
}

std::vector<Expr> factors_of(Expr e) {
    std::vector<Expr> f;
    if (e.is(Op::Mul))
        for (std::size_t k = 0; k < e.size(); ++k) f.push_back(e[k]);
    else
        f.push_back(e);
    return f;
}

std::optional<Expr> divide_sum(Expr a, Expr d);
std::optional<Expr> divide_reduction(Expr r, Expr d);

// The product of `fs` times exp(-d), with exp(-d) taken into the factors rather than computed:
// a sum of exponentials (or a positive power of one) takes its own shift, and the rest of d
// goes into one exp(v) factor, or into every term of one sum factor. nullopt when there is no
// factor to take it.
std::optional<std::vector<Expr>> divide_factors(std::vector<Expr> fs, Expr d) {
    Context& ctx = d.context();
    for (Expr& f : fs) {
        if (auto s = exp_sum(f)) {
            f = s->shifted;
            d = d - s->max;
        } else if (f.is(Op::Pow) && positive_number(f[1])) {
            if (auto s = exp_sum(f[0])) {
                f = pow(s->shifted, f[1]);
                d = d - f[1] * s->max;
            }
        }
    }
    if (d.is_integer(0)) return fs;
    // All the exp factors become one, exp(v1 + v2 - d): exp(c)*exp(a)/S^2 of a softmax
    // Jacobian needs the whole shift 2m against a + c, not against c alone.
    std::vector<Expr> exponents, others;
    for (Expr f : fs) (f.is(Op::Exp) ? exponents.push_back(f[0]) : others.push_back(f));
    if (!exponents.empty()) {
        // Better still, into every term of a sum factor whose terms hold exps themselves: the
        // derivative of softmax cross-entropy is exp(-b)*S*(exp(b)/S - ...), where exp(m - b)
        // alone is inf at b = -1000 and the sum's terms are 0.
        Expr shift = d;
        for (Expr v : exponents) shift = shift - v;
        for (Expr& f : others)
            if (f.is(Op::Add))
                if (auto g = divide_sum(f, shift)) {
                    f = *g;
                    return others;
                }
        exponents.push_back(-d);
        others.push_back(ctx.call(Op::Exp, {ctx.add(exponents)}));
        return others;
    }
    for (Expr& f : fs)
        if (f.is(Op::Add))
            if (auto g = divide_sum(f, d)) {
                f = *g;
                return fs;
            }
    // Or into the body of a sum over an index or data rows: the derivative of
    // ln(sum(i = 1..n, exp(a*x[i]))) by a is sum(i = 1..n, x[i]*exp(a*x[i]))/S, inf/inf at
    // a = 1000 unless the numerator's terms take the denominator's shift too.
    for (Expr& f : fs)
        if (auto g = divide_reduction(f, d)) {
            f = *g;
            return fs;
        }
    return std::nullopt;
}

// Whether e reads a symbol outside every reduction (a data column, read in the current row).
bool reads_bare_symbol(Expr e) {
    const std::vector<NodeId> order = topological_order(std::span<const Expr>(&e, 1));
    std::unordered_map<NodeId, bool> bare;
    const Context& ctx = e.context();
    for (NodeId id : order) {
        Expr n = ctx[id];
        bool b = n.is_symbol();
        if (!is_reduction(n.op()))
            for (std::size_t k = 0; k < n.size() && !b; ++k) b = bare[n[k].id()];
        bare[id] = b;
    }
    return bare[e.id()];
}

// A sum over an index or data rows (or a mean over rows) times exp(-d), with exp(-d) taken
// into every term of its body. d must be the same in every term: free of the sum's index, and
// for data rows free of bare symbols (which could be columns, read in another row outside).
std::optional<Expr> divide_reduction(Expr r, Expr d) {
    Context& ctx = r.context();
    if (r.is(Op::Sum)) {
        if (depends_on(d, r[0])) return std::nullopt;
    } else if (r.is(Op::RowSum) || r.is(Op::RowMean)) {
        if (reads_bare_symbol(d)) return std::nullopt;
    } else {
        return std::nullopt;
    }
    const Expr body = r.is(Op::Sum) ? r[3] : r[0];
    std::optional<Expr> b;
    if (body.is(Op::Add)) {
        b = divide_sum(body, d);
    } else if (auto fs = divide_factors(factors_of(body), d)) {
        b = ctx.mul(*fs);
    }
    if (!b) return std::nullopt;
    if (r.is(Op::Sum)) return ctx.sum(r[0], r[1], r[2], *b);
    return r.is(Op::RowSum) ? ctx.row_sum(*b) : ctx.row_mean(*b);
}

std::optional<Expr> divide_sum(Expr a, Expr d) {
    std::vector<Expr> terms;
    for (std::size_t k = 0; k < a.size(); ++k) {
        auto fs = divide_factors(factors_of(a[k]), d);
        if (!fs) return std::nullopt;
        terms.push_back(a.context().mul(*fs));
    }
    return a.context().add(terms);
}

// A product with sums of exponentials S (or powers S^p) as factors: each becomes shifted^p
// and the exp(p*max) it leaves is taken into the other factors (softmax: exp(a)/(exp(a) +
// exp(b)) is exp(a - m)/(exp(a - m) + exp(b - m)); the derivative of softmax cross-entropy,
// exp(-b)*S*(...), is exp(m - b)*shifted*(...) rather than 0*inf). nullopt when no other
// factor can take it.
std::optional<Expr> stable_ratio(Expr mul, const std::vector<Expr>& kids) {
    Context& ctx = mul.context();
    std::vector<Expr> rest, sums;
    Expr d = ctx.integer(0);
    for (Expr f : kids) {
        if (auto s = exp_sum(f)) {
            sums.push_back(s->shifted);
            d = d - s->max;
            continue;
        }
        if (f.is(Op::Pow) && f[1].is_number())
            if (auto s = exp_sum(f[0])) {
                sums.push_back(pow(s->shifted, f[1]));
                d = d - f[1] * s->max;
                continue;
            }
        rest.push_back(f);
    }
    if (sums.empty()) return std::nullopt;
    auto others = divide_factors(rest, d);
    if (!others) {
        // No factor takes the shift. With one sum the product overflows only where its value
        // does (2*S, x/S stay as written). With several, none an exp for distribute_exps to
        // meet, it is a ratio of sums, (exp(a + b) + exp(a + c))/S^2 as quotients combined over
        // one denominator give it: the shift is a factor of its own, exp(m2 - 2*m) <= 1 there,
        // rather than inf/inf.
        if (sums.size() < 2 || std::any_of(rest.begin(), rest.end(), [](Expr f) { return f.is(Op::Exp); }))
            return std::nullopt;
        others = rest;
        others->push_back(ctx.call(Op::Exp, {-d}));
    }
    others->insert(others->end(), sums.begin(), sums.end());
    return ctx.mul(*others);
}

// Whether a term has an exp factor or a sum of exponentials (or a power of one) as a factor.
bool exp_bearing(Expr term) {
    for (Expr f : factors_of(term))
        if (f.is(Op::Exp) || exp_sum_shape(f)) return true;
    return false;
}

// A product of exp factors and a sum whose terms all bear exponentials, multiplied out so
// that the exponents meet: simplified gradients hold exp(b)*(1/S - exp(-b)), which is
// 0*(... - inf) at b = -1000, while its terms exp(b)/S and exp(b)*exp(-b) = 1 are fine.
// Each term is rebuilt from the original term's factors (as rewritten one by one), so that
// its ratios are shifted once, by stable_ratio.
template <class Get>
std::optional<Expr> distribute_exps(Expr mul, Get&& get) {
    Context& ctx = mul.context();
    std::vector<Expr> exps, others;
    std::optional<std::size_t> sum;
    for (std::size_t k = 0; k < mul.size(); ++k) {
        Expr f = mul[k];
        if (f.is(Op::Exp)) {
            exps.push_back(get(f));
            continue;
        }
        if (!sum && f.is(Op::Add)) {
            bool all = true;
            for (std::size_t t = 0; t < f.size() && all; ++t) all = exp_bearing(f[t]);
            if (all) {
                sum = others.size();
                others.push_back(f); // original: its terms are rebuilt below
                continue;
            }
        }
        others.push_back(get(f));
    }
    if (exps.empty() || !sum) return std::nullopt;
    Expr a = others[*sum];
    std::vector<Expr> terms;
    for (std::size_t t = 0; t < a.size(); ++t) {
        std::vector<Expr> fs;
        for (Expr f : factors_of(a[t])) fs.push_back(get(f));
        fs.insert(fs.end(), exps.begin(), exps.end());
        std::vector<Expr> exponents, rest;
        for (Expr f : fs) (f.is(Op::Exp) ? exponents.push_back(f[0]) : rest.push_back(f));
        rest.push_back(ctx.call(Op::Exp, {ctx.add(exponents)}));
        Expr product = ctx.mul(rest);
        std::optional<Expr> shifted;
        if (product.is(Op::Mul)) {
            std::vector<Expr> kids = factors_of(product);
            shifted = stable_ratio(product, kids);
        }
        terms.push_back(shifted ? *shifted : product);
    }
    others[*sum] = ctx.add(terms);
    return ctx.mul(others);
}

// ln of a product with exp(v) or (sum of exponentials)^p factors: v and p*log_sum_exp are
// added outside the logarithm, so that softmax cross-entropy -ln(exp(a)/(exp(a) + exp(b)))
// never takes the logarithm of a ratio that underflowed.
std::optional<Expr> stable_log_of_product(Expr log, const std::vector<Expr>& factors) {
    Context& ctx = log.context();
    std::vector<Expr> outside, rest;
    for (Expr f : factors) {
        if (f.is(Op::Exp)) {
            outside.push_back(f[0]);
            continue;
        }
        if (f.is(Op::Pow) && f[1].is_number())
            if (auto s = exp_sum(f[0])) {
                outside.push_back(f[1] * log_sum_exp(*s));
                continue;
            }
        rest.push_back(f);
    }
    if (outside.empty()) return std::nullopt;
    if (!rest.empty()) outside.push_back(ctx.call(Op::Log, {ctx.mul(rest)}));
    return ctx.add(outside);
}

} // namespace

std::vector<Expr> stable_forms(std::span<const Expr> outputs) {
    std::vector<Expr> result(outputs.begin(), outputs.end());
    if (outputs.empty()) return result;
    const Context& cctx = outputs[0].context();
    const std::vector<NodeId> order = topological_order(outputs);
    // A node is rewritten only when a sum of exponentials lies below it, so that what a node
    // becomes depends on that node alone: output i is the same whatever else is evaluated
    // with it, and the Interpreter stays bit for bit evaluate() of each output (a gate on the
    // whole list of outputs made exp(u)*(e + 2*e*x) distribute beside e + exp(u), not alone).
    std::unordered_map<NodeId, bool> holds;
    bool any = false;
    for (NodeId id : order) {
        Expr e = cctx[id];
        bool h = exp_sum_shape(e);
        for (std::size_t k = 0; k < e.size() && !h; ++k) h = holds[e[k].id()];
        holds[id] = h;
        any = any || h;
    }
    if (!any) return result;

    Context& ctx = outputs[0].context();
    std::unordered_map<NodeId, Expr> now; // the rewritten node, where it differs
    auto get = [&](Expr e) {
        auto it = now.find(e.id());
        return it == now.end() ? e : it->second;
    };
    for (NodeId id : order) {
        Expr e = cctx[id];
        if (e.size() == 0 || !holds[id]) continue;
        std::vector<Expr> kids;
        bool changed = false;
        for (std::size_t k = 0; k < e.size(); ++k) {
            kids.push_back(get(e[k]));
            changed = changed || !(kids.back() == e[k]);
        }
        std::optional<Expr> r;
        if (e.is(Op::Log)) {
            if (auto s = exp_sum(kids[0])) r = log_sum_exp(*s);
            else if (e[0].is(Op::Mul)) {
                std::vector<Expr> fs;
                for (std::size_t k = 0; k < e[0].size(); ++k) fs.push_back(get(e[0][k]));
                r = stable_log_of_product(e, fs);
            }
        } else if (e.is(Op::Mul)) {
            r = stable_ratio(e, kids);
            if (!r) r = distribute_exps(e, get);
        }
        if (!r && changed) r = ctx.rebuild(e, kids);
        if (r && !(*r == e)) now.emplace(id, *r);
    }
    for (Expr& o : result) o = get(o);
    return result;
}

} // namespace symdiff::detail
