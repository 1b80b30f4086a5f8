// Step-by-step derivations built from diff's own table of local derivatives.
#include "symdiff/steps.hpp"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "symdiff/dag.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/simplify.hpp"

namespace symdiff {

namespace {


bool is_zero(Expr e) { return e.is_number() && e.number().is_zero(); }

bool negative_number(Expr e) { return e.is_number() && e.number().is_negative(); }

constexpr int kPlaceholderDepth = 40;

class Builder {
public:
    Builder(Derivation& d) : d_(d), c_(d.function.context()), x_(d.var) {}

    void run() {
        Expr whole = derivative_of(d_.function);
        while (!queue_.empty()) {
            auto [ph, u] = queue_.front();
            queue_.pop_front();
            DerivationStep s;
            s.target = u;
            s.expansion = expand(u, s);
            const std::pair<Expr, Expr> rep[] = {{ph, s.expansion}};
            whole = substitute(whole, rep);
            s.result = whole;
            d_.steps.push_back(s);
        }
        d_.result = simplify(diff(d_.function, x_));
        if (d_.steps.empty() || whole != d_.result) {
            DerivationStep s;
            s.rule = d_.steps.empty() ? "constant rule" : "simplify";
            if (d_.steps.empty()) s.target = d_.function;
            s.expansion = d_.result;
            s.result = d_.result;
            d_.steps.push_back(s);
        }
    }

private:
    bool depends(Expr u) {
        if (auto it = depends_.find(u.id()); it != depends_.end()) return it->second;
        const bool r = any_node(u, [&](Expr n) { return n == x_; });
        depends_.emplace(u.id(), r);
        return r;
    }

    // d/dx[u]: 0 or 1 at once for constants and x itself, else a pending derivative.
    Expr derivative_of(Expr u) {
        if (!depends(u)) return c_.integer(0);
        if (u == x_) return c_.integer(1);
        if (auto it = pending_.find(u.id()); it != pending_.end()) return it->second;
        // A pending derivative stands in the expression as a node of its own that nothing can
        // simplify away: a fresh symbol wrapped in sign() calls, big enough that the printers'
        // display order (smaller factors first) writes it last, as 2*(3*x + 1)*d/dx[3*x + 1].
        // Renderers replace its printed form by d/dx[u].
        Expr ph = c_.symbol("DerivativeOfPending" + std::to_string(d_.pending.size()));
        for (int k = 0; k < kPlaceholderDepth; ++k) ph = c_.call(Op::Sign, {ph});
        pending_.emplace(u.id(), ph);
        d_.pending.emplace_back(ph, u);
        queue_.emplace_back(ph, u);
        return ph;
    }

    void chain(DerivationStep& s, Expr u, std::size_t i) {
        // The outer function, written in the stand-in variable, and its derivative.
        std::vector<Expr> kids;
        for (std::size_t k = 0; k < u.size(); ++k) kids.push_back(u[k]);
        kids[i] = d_.inner_name;
        Expr outer = c_.rebuild(u, kids);
        s.outer = outer;
        s.outer_derivative = outer.size() > i ? local_partial(outer, i) : Expr();
        s.inner = u[i];
    }

    Expr expand(Expr u, DerivationStep& s) {
        switch (u.op()) {
        case Op::Num:
        case Op::Pi:
        case Op::Sym:
        case Op::List:
            break;
        case Op::Add: {
            // sum rule: (a + b)' = a' + b'
            s.rule = "sum rule";
            std::vector<Expr> terms;
            for (std::size_t i = 0; i < u.size(); ++i) {
                if (!depends(u[i])) s.constant_terms.push_back(u[i]);
                terms.push_back(derivative_of(u[i]));
            }
            return c_.add(terms);
        }
        case Op::Mul:
            return expand_product(u, s);
        case Op::Sum:
        case Op::RowSum:
        case Op::RowMean:
        case Op::Guard:
        case Op::Vec:
            // One step: a pending d/dx[body] cannot stand inside the reduction, since the
            // body's derivative has the index free and would be captured when it replaced it.
            s.rule = u.is(Op::RowMean) ? "the derivative of a mean is the mean of the derivatives"
                     : u.is(Op::Guard) ? "the derivative of a guarded term is the guarded derivative"
                     : u.is(Op::Vec)   ? "a vector differentiates element by element"
                                       : "the derivative of a sum is the sum of the derivatives";
            return diff(u, x_);
        case Op::At:
        case Op::Len:
            // x depends on them only through an index, an integer
            s.rule = "constant rule (an index is an integer)";
            return c_.integer(0);
        case Op::Pow: {
            const bool base_dep = depends(u[0]), exp_dep = depends(u[1]);
            if (!exp_dep) {
                // power rule: (u^n)' = n*u^(n-1)*u'
                s.rule = u[0] == x_ ? "power rule" : "chain rule with the power rule";
                if (u[0] != x_) chain(s, u, 0);
                return c_.mul({local_partial(u, 0), derivative_of(u[0])});
            }
            if (!base_dep) {
                // exponential rule: (a^g)' = a^g*ln(a)*g'
                s.rule = u[1] == x_ ? "exponential rule" : "chain rule with the exponential rule";
                if (u[1] != x_) chain(s, u, 1);
                return c_.mul({local_partial(u, 1), derivative_of(u[1])});
            }
            // f^g = exp(g*ln(f)): (f^g)' = g*f^(g-1)*f' + f^g*ln(f)*g'
            s.rule = "general power rule, f^g = exp(g*ln(f))";
            return c_.add({c_.mul({local_partial(u, 0), derivative_of(u[0])}),
                           c_.mul({local_partial(u, 1), derivative_of(u[1])})});
        }
        default:
            break;
        }
        if (op_kind(u.op()) != OpKind::Function)
            throw Error("'" + std::string(op_name(u.op())) + "' has no derivation rule");
        const std::string fn(op_name(u.op()));
        if (u.size() == 1) {
            // chain rule: f(u)' = f'(u)*u'
            if (u[0] == x_) {
                s.rule = fn + " rule";
                return local_partial(u, 0);
            }
            s.rule = "chain rule with the " + fn + " rule";
            chain(s, u, 0);
            return c_.mul({local_partial(u, 0), derivative_of(u[0])});
        }
        // f(a, b)' = f_a*a' + f_b*b'
        s.rule = fn + " rule (the chain rule in each argument)";
        std::vector<Expr> terms;
        for (std::size_t i = 0; i < u.size(); ++i) {
            Expr di = derivative_of(u[i]);
            if (!is_zero(di)) terms.push_back(c_.mul({local_partial(u, i), di}));
        }
        return c_.add(terms);
    }

    Expr expand_product(Expr u, DerivationStep& s) {
        std::vector<Expr> constant, dependent;
        for (std::size_t i = 0; i < u.size(); ++i) (depends(u[i]) ? dependent : constant).push_back(u[i]);
        Expr k = c_.mul(constant);
        if (dependent.size() == 1) {
            // constant multiple rule: (k*f)' = k*f'
            s.rule = "constant multiple rule";
            return c_.mul({k, derivative_of(dependent[0])});
        }
        std::vector<Expr> num, den;
        for (Expr f : dependent) {
            if (f.is(Op::Pow) && negative_number(f[1])) den.push_back(c_.pow(f[0], c_.number(-f[1].number())));
            else num.push_back(f);
        }
        if (!num.empty() && !den.empty()) {
            // quotient rule: (f/g)' = (f'*g - f*g')/g^2, for the input's own division
            s.rule = "quotient rule";
            Expr f = c_.mul(num), g = c_.mul(den);
            Expr top = c_.sub(c_.mul({derivative_of(f), g}), c_.mul({f, derivative_of(g)}));
            return c_.mul({k, top, c_.pow(g, c_.integer(-2))});
        }
        // product rule: (f*g*h)' = f'*g*h + f*g'*h + f*g*h'
        s.rule = "product rule";
        std::vector<Expr> terms;
        for (std::size_t i = 0; i < dependent.size(); ++i) {
            std::vector<Expr> t{k, derivative_of(dependent[i])};
            for (std::size_t j = 0; j < dependent.size(); ++j)
                if (j != i) t.push_back(dependent[j]);
            terms.push_back(c_.mul(t));
        }
        return c_.add(terms);
    }

    Derivation& d_;
    Context& c_;
    Expr x_;
    std::unordered_map<NodeId, bool> depends_;
    std::unordered_map<NodeId, Expr> pending_;
    std::deque<std::pair<Expr, Expr>> queue_;
};

// "d/dx", "∂/∂x" or "\frac{d}{dx}" for the variable (partial when the function has others).
std::string operator_text(const Derivation& d, Format f) {
    bool partial = free_symbols(d.function).size() > 1;
    std::string v = to_string(d.var, f);
    switch (f) {
    case Format::Unicode: return partial ? "∂/∂" + v : "d/d" + v;
    case Format::Latex: return partial ? "\\frac{\\partial}{\\partial " + v + "}" : "\\frac{d}{d" + v + "}";
    default: return "d/d" + v;
    }
}

std::string bracket(const std::string& inner, Format f) {
    if (f == Format::Latex) return "\\left[" + inner + "\\right]";
    return "[" + inner + "]";
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    if (from.empty()) return;
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
}

bool is_vector_variable(Expr e, Expr x) {
    return any_node(e, [&](Expr n) { return (n.is(Op::At) || n.is(Op::Len)) && n[0] == x; });
}

} // namespace

Derivation derive_steps(Expr e, Expr x) {
    if (!x.is_symbol()) throw Error("a derivative must be taken with respect to a variable, not a " + std::string(op_name(x.op())));
    Derivation d;
    d.function = e;
    d.var = x;
    Context& c = e.context();
    const char* names[] = {"u", "v", "w", "t", "s", "g"};
    std::vector<Expr> used = free_symbols(e);
    for (const char* n : names) {
        Expr cand = c.symbol(n);
        if (cand != x && std::find(used.begin(), used.end(), cand) == used.end()) {
            d.inner_name = cand;
            break;
        }
    }
    if (d.inner_name.is_null()) d.inner_name = c.symbol("u_inner");
    if (is_vector_variable(e, x)) {
        // d/dx by a vector x is a vector of derivatives in gather form (diff.hpp), one step
        d.result = simplify(diff(e, x));
        DerivationStep s;
        s.rule = "gradient by the vector " + x.name() + ", element by element";
        s.target = e;
        s.expansion = d.result;
        s.result = d.result;
        d.steps.push_back(s);
        return d;
    }
    Builder(d).run();
    return d;
}

std::string render_step_expr(const Derivation& d, Expr e, Format f) {
    if (f != Format::Unicode && f != Format::Latex) f = Format::Text;
    std::string s = to_string(e, f);
    // Later placeholders first, so that "...Pending1" is not mistaken inside "...Pending12".
    for (std::size_t i = d.pending.size(); i-- > 0;) {
        const auto& [ph, target] = d.pending[i];
        replace_all(s, to_string(ph, f), operator_text(d, f) + bracket(to_string(target, f), f));
    }
    return s;
}

std::string render_steps(const Derivation& d, Format f) {
    if (f != Format::Unicode && f != Format::Latex) f = Format::Text;
    const std::string op = operator_text(d, f);
    const bool tex = f == Format::Latex;
    const std::string eq = tex ? " = " : " = ";
    auto ex = [&](Expr e) { return render_step_expr(d, e, f); };
    std::string out = op + bracket(to_string(d.function, f), f) + (tex ? " \\\\\n" : "\n");
    for (std::size_t i = 0; i < d.steps.size(); ++i) {
        const DerivationStep& s = d.steps[i];
        std::string line = std::to_string(i + 1) + ". " + (tex ? "\\text{" + s.rule + "}" : s.rule);
        if (!s.outer.is_null()) {
            // outer f(u) = u^2, f'(u) = 2*u, inner u = 3*x + 1
            std::string u = to_string(d.inner_name, f);
            std::string fu = "f(" + u + ")", fpu = tex ? "f'(" + u + ")" : "f'(" + u + ")";
            line += tex ? ",\\ \\text{outer } " : ", outer ";
            line += fu + eq + to_string(s.outer, f) + ", " + fpu + eq + to_string(s.outer_derivative, f) +
                    (tex ? ",\\ \\text{inner } " : ", inner ") + u + eq + to_string(s.inner, f);
        }
        if (!s.target.is_null()) line += (tex ? ":\\ " : ": ") + op + bracket(to_string(s.target, f), f) + eq + ex(s.expansion);
        if (!s.constant_terms.empty()) {
            // 2. sum rule: d/dx[3*x + 1] = d/dx[3*x], since d/dx[1] = 0
            line += tex ? ",\\ \\text{since } " : ", since ";
            for (std::size_t k = 0; k < s.constant_terms.size(); ++k)
                line += (k ? eq : "") + op + bracket(to_string(s.constant_terms[k], f), f);
            line += eq + "0";
        }
        out += line + (tex ? " \\\\\n" : "\n");
        if (s.target.is_null() || s.result != s.expansion || i > 0)
            out += (tex ? "\\quad = " : "   = ") + ex(s.result) + (tex ? " \\\\\n" : "\n");
    }
    return out;
}

} // namespace symdiff
