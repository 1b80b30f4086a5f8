// Derivatives by a vector variable: the gradient as one Vec over the elements, and the banded
// Hessian of a sum over neighbouring elements.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_set>

#include "diff/reverse.hpp"
#include "symdiff/dag.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/print.hpp"

namespace symdiff {

using detail::body_of;
using detail::is_scalar_reduction;
using detail::is_zero;
using detail::require_symbol;
using detail::rereduce;
using detail::reverse;

namespace {

// A symbol named k, k1, k2, ... that e does not use anywhere (free or bound), for the index of
// the gradient's Vec: any name e uses could be captured or shadow one of its indices.
Expr fresh_index(Expr e) {
    Context& c = e.context();
    std::unordered_set<std::string_view> used;
    for_each_node(e, [&](Expr n) {
        if (n.is_symbol()) used.insert(n.name());
    });
    if (!used.count("k")) return c.symbol("k");
    for (int j = 1;; ++j) {
        char name[24];
        std::snprintf(name, sizeof name, "k%d", j);
        if (!used.count(name)) return c.symbol(name);
    }
}

// The distinct x[m] nodes of e, a reduction body, in order of discovery. Throws if e uses x
// bare or in an index, or holds a reduction over x (reductions do not nest); `where` names e
// for the message.
std::vector<Expr> reads_of(Expr e, Expr x, const char* where) {
    std::vector<Expr> out;
    std::unordered_set<NodeId> seen;
    std::vector<Expr> stack{e};
    while (!stack.empty()) {
        Expr t = stack.back();
        stack.pop_back();
        if (!seen.insert(t.id()).second) continue;
        if (t == x)
            throw Error("'" + x.name() + "' is a vector variable (it is read as " + x.name() +
                        "[...]) and cannot also be used as a number " + where);
        if (t.is(Op::At) && t[0] == x) {
            if (depends_on(t[1], x)) throw Error("the index of " + to_string(t) + " reads " + x.name() + " itself");
            out.push_back(t);
            continue;
        }
        if (t.is(Op::Len)) continue;
        if (is_reduction(t.op()) && depends_on(t, x))
            throw Error("reductions do not nest: " + to_string(t) + " over " + x.name() + " is " + where);
        if (is_reduction(t.op())) continue;
        for (std::size_t i = t.size(); i-- > 0;) stack.push_back(t[i]);
    }
    return out;
}

// One guarded part of a gradient element, guard(k, lo, hi, body), merged by range.
struct Guarded {
    Expr lo, hi;
    std::vector<Expr> parts;
};

void add_guarded(std::vector<Guarded>& gs, Expr lo, Expr hi, Expr part) {
    if (is_zero(part)) return;
    for (Guarded& g : gs)
        if (g.lo == lo && g.hi == hi) {
            g.parts.push_back(part);
            return;
        }
    gs.push_back({lo, hi, {part}});
}

Expr sum_of_guards(Context& c, Expr k, const std::vector<Guarded>& gs) {
    std::vector<Expr> terms;
    for (const Guarded& g : gs) terms.push_back(c.guard(k, g.lo, g.hi, c.add(g.parts)));
    return terms.empty() ? c.integer(0) : c.add(terms);
}

} // namespace

Expr vector_gradient(Expr e, Expr x) {
    require_symbol(x, "a gradient by a vector");
    if (e.is(Op::Vec))
        throw Error("the gradient by a vector is defined for a scalar expression, not a vector [... for k = ...]; "
                    "banded_hessian(f, " + x.name() + ") differentiates a gradient once more");
    if (e.is(Op::List)) throw Error("the gradient by a vector is defined for a scalar expression, not a list");
    Context& c = e.context();

    // The part of e outside reductions, with every reduction over x and every x[j] read
    // outside them as a leaf: reverse mode over it gives each leaf's adjoint, a loop-invariant
    // expression (1 for f = sum(...)).
    std::vector<Expr> leaves;
    {
        std::unordered_set<NodeId> seen;
        std::vector<Expr> stack{e};
        while (!stack.empty()) {
            Expr t = stack.back();
            stack.pop_back();
            if (!seen.insert(t.id()).second) continue;
            if (t == x)
                throw Error("'" + x.name() + "' is a vector variable (it is read as " + x.name() +
                            "[...]) and cannot also be used as a number");
            if (t.is(Op::At) && t[0] == x) {
                if (depends_on(t[1], x)) throw Error("the index of " + to_string(t) + " reads " + x.name() + " itself");
                leaves.push_back(t);
                continue;
            }
            if (t.is(Op::Len)) continue;
            if (t.is(Op::Vec) || t.is(Op::List)) throw Error("the gradient by a vector is defined for a scalar expression");
            if (is_scalar_reduction(t.op())) {
                if (depends_on(t, x)) leaves.push_back(t);
                continue;
            }
            for (std::size_t i = t.size(); i-- > 0;) stack.push_back(t[i]);
        }
    }
    const Expr k = fresh_index(e);
    std::vector<Guarded> parts;
    const std::vector<Expr> adjoints = reverse(e, leaves);
    for (std::size_t l = 0; l < leaves.size(); ++l) {
        const Expr leaf = leaves[l], a = adjoints[l];
        if (is_zero(a)) continue;
        if (leaf.is(Op::At)) {
            // x[j] outside reductions: one element of the gradient
            add_guarded(parts, leaf[1], leaf[1], a);
            continue;
        }
        const Expr body = body_of(leaf);
        const std::vector<Expr> reads = reads_of(body, x, "inside a reduction over it");
        const std::vector<Expr> partials = reverse(body, reads);
        for (std::size_t r = 0; r < reads.size(); ++r) {
            const Expr p = partials[r], idx = reads[r][1];
            if (is_zero(p)) continue;
            if (!leaf.is(Op::Sum) || !depends_on(idx, leaf[0])) {
                // x[j] at a fixed j, read by every term (or every row): one element, the
                // whole reduction of the partial
                add_guarded(parts, idx, idx, c.mul({a, rereduce(c, leaf, p)}));
                continue;
            }
            // x[i + c] is read at k = i + c, so for k in lo + c .. hi + c the term is the
            // partial at i = k - c: the gather form, one guarded term per offset.
            const Expr i = leaf[0];
            const Expr off = c.sub(idx, i);
            if (!off.is_number() || !off.number().is_integer())
                throw Error("the index of " + to_string(reads[r]) + " inside the sum over " + i.name() + " is not " +
                            i.name() + " + c for a constant integer c");
            const std::pair<Expr, Expr> at_k[] = {{i, c.sub(k, off)}};
            add_guarded(parts, c.add({leaf[1], off}), c.add({leaf[2], off}), c.mul({a, substitute(p, at_k)}));
        }
    }
    return c.vec(k, c.integer(1), c.len(x), sum_of_guards(c, k, parts));
}

BandedHessian banded_hessian(Expr e, Expr x) {
    require_symbol(x, "a Hessian by a vector");
    Context& c = e.context();
    const Expr g = vector_gradient(e, x);
    const Expr k = g[0], element = g[3];
    std::vector<Expr> terms;
    if (element.is(Op::Add)) {
        for (std::size_t i = 0; i < element.size(); ++i) terms.push_back(element[i]);
    } else if (!is_zero(element)) {
        terms.push_back(element);
    }
    std::vector<std::vector<Guarded>> diagonals(1);
    for (Expr t : terms) {
        Expr coef = c.integer(1), guard = t;
        if (t.is(Op::Mul) && t.size() == 2 && t[0].is_number()) {
            coef = t[0];
            guard = t[1];
        }
        if (!guard.is(Op::Guard) || guard[0] != k) throw Error("the gradient element " + to_string(t) + " is not a guarded term");
        const Expr lo = guard[1], hi = guard[2], body = c.mul({coef, guard[3]});
        // The elements the term reads, inside reductions too. A sum whose body reads x at its
        // own index, x[i + c], depends on every element: then each x[k] couples with every
        // other one. A reduction that reads fixed elements x[j] only (a mean over data rows
        // of x[1]*u + x[2]) is an ordinary function of those elements.
        std::vector<Expr> reads;
        {
            std::unordered_set<NodeId> seen;
            std::vector<Expr> stack{body};
            while (!stack.empty()) {
                Expr s = stack.back();
                stack.pop_back();
                if (!seen.insert(s.id()).second) continue;
                if (s == x) throw Error("'" + x.name() + "' is a vector variable and cannot also be used as a number");
                if (s.is(Op::At) && s[0] == x) {
                    reads.push_back(s);
                    continue;
                }
                if (s.is(Op::Sum) && depends_on(s, x) &&
                    any_node(s, [&](Expr n) { return n.is(Op::At) && n[0] == x && depends_on(n[1], s[0]); }))
                    throw Error("banded_hessian: the Hessian by " + x.name() + " is dense, not banded: d/d" +
                                        x.name() + "[" + k.name() + "] contains " + to_string(s) + ", a reduction over " +
                                        x.name() + " that couples every pair of its elements");
                for (std::size_t i = 0; i < s.size(); ++i) stack.push_back(s[i]);
            }
        }
        const std::vector<Expr> partials = reverse(body, reads);
        for (std::size_t r = 0; r < reads.size(); ++r) {
            if (is_zero(partials[r])) continue;
            const Expr m = reads[r][1];
            // the offset of x[m] from the row k: m - k, or m - lo where the term holds at k = lo only
            Expr d = c.sub(m, k);
            if (!(d.is_number() && d.number().is_integer()) && lo == hi) d = c.sub(m, lo);
            if (!(d.is_number() && d.number().is_integer()))
                throw Error("banded_hessian: the Hessian by " + x.name() + " is not banded: d/d" + x.name() + "[" +
                            k.name() + "] depends on " + to_string(reads[r]) + ", which is at no fixed offset from " +
                            x.name() + "[" + k.name() + "]");
            // Below the diagonal the entry is the mirror of one above it (the Hessian is symmetric).
            if (d.number().is_negative()) continue;
            const auto off = static_cast<std::size_t>(d.number().num());
            if (diagonals.size() <= off) diagonals.resize(off + 1);
            add_guarded(diagonals[off], lo, hi, partials[r]);
        }
    }
    BandedHessian h{x, {}};
    for (std::size_t d = 0; d < diagonals.size(); ++d)
        h.diagonals.push_back(c.vec(k, c.integer(1), c.sub(c.len(x), c.integer(static_cast<std::int64_t>(d))),
                                    sum_of_guards(c, k, diagonals[d])));
    return h;
}

} // namespace symdiff
