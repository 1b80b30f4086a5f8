// Re-sugaring the canonical DAG for display: a + (-1)*b as a - b, a*b^-1 as a/b, x^(1/2) as
// sqrt(x), exp(1) as e, and a display order of terms and factors that reads like a textbook.
//
// Display order of a sum: polynomial monomials (coefficient times variables to positive integer
// powers) by descending total degree, ties in lexicographic order of the variables
// (x^2, x*y, y^2, x, y); then every other term, smaller ones first; then the constant. If that
// order starts with a subtracted term, the first added term moves to the front, so that
// `-x + 1` reads `1 - x` and `-x^2 + y` reads `y - x^2` while `x^2 - 3*x + 2` stays.
// Rosenbrock's d/dx comes out as `-2*(1 - x) - 400*x*(y - x^2)`.
//
// Display order of a product: the coefficient, then constant factors (pi, sqrt(2)), then
// variables, vector elements and their powers by name (`x^2*y*z[i]`), then everything else,
// smaller ones first. In the body of a data reduction, sum factors come right after the
// constants: the tutorials write the residual before the feature, `mean((m*x + b - y)*x)`.
#include "print/layout.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

namespace symdiff::detail {
namespace {

struct NodeInfo {
    std::uint32_t doc = 0;
    std::uint32_t size = 0; ///< tree size, saturating: what "smaller first" compares
    bool has_symbol = false;
};

struct Monomial {
    bool poly = false;
    std::int64_t degree = 0;
    std::vector<std::pair<std::string_view, std::int64_t>> powers; ///< sorted by name
};

Doc blank(DocKind kind) {
    Doc d{};
    d.kind = kind;
    return d;
}

// Between two equally large terms or factors, functions read in the conventional order of
// ops.def (exp, ln, sin, cos, tan, ...: 2*sin(x)*cos(x), abs(x) + sign(x) + relu(x)) and
// variables by name.
std::pair<int, std::string_view> lead(Expr e) {
    if (e.is(Op::Mul) && e[0].is_number() && e.size() == 2) e = e[1];
    if (e.is(Op::Pow)) e = e[0];
    if (op_kind(e.op()) == OpKind::Function) return {static_cast<int>(e.op()), {}};
    if (e.is_symbol()) return {0, e.name()};
    return {-1, {}};
}

class Builder {
public:
    Builder(Expr root, bool split) : ctx_(root.context()), split_(split) {
        order_ = topological_order(std::span<const Expr>(&root, 1));
        info_.resize(order_.size());
        for (std::size_t i = 0; i < order_.size(); ++i) visit(i, ctx_[order_[i]]);
        out_.root = info(root.id()).doc;
    }

    Layout take() { return std::move(out_); }

private:
    NodeInfo& info(NodeId id) {
        return info_[std::lower_bound(order_.begin(), order_.end(), id) - order_.begin()];
    }
    std::uint32_t doc_of(Expr e) { return info(e.id()).doc; }

    std::uint32_t add_doc(Doc d) {
        out_.docs.push_back(std::move(d));
        return static_cast<std::uint32_t>(out_.docs.size() - 1);
    }
    std::uint32_t make(DocKind kind, const std::vector<DocKid>& kids, Op op = Op::Num) {
        Doc d = blank(kind);
        d.op = op;
        d.first = static_cast<std::uint32_t>(out_.kids.size());
        d.n = static_cast<std::uint32_t>(kids.size());
        out_.kids.insert(out_.kids.end(), kids.begin(), kids.end());
        return add_doc(std::move(d));
    }
    std::uint32_t unary(DocKind kind, std::uint32_t child) { return make(kind, {DocKid{child, false}}); }
    std::uint32_t number(const Number& n) {
        if (n.is_negative()) return unary(DocKind::Neg, number(-n));
        Doc d = blank(DocKind::Num);
        d.num = n;
        return add_doc(std::move(d));
    }

    void visit(std::size_t i, Expr e) {
        NodeInfo& me = info_[i];
        std::uint64_t size = 1;
        for (NodeId k : e.child_ids()) {
            const NodeInfo& ki = info(k);
            size += ki.size;
            me.has_symbol = me.has_symbol || ki.has_symbol;
        }
        me.size = static_cast<std::uint32_t>(std::min<std::uint64_t>(size, 1u << 30));
        if (e.is_symbol()) me.has_symbol = true;
        info_[i].doc = build(e);
    }

    std::uint32_t build(Expr e) {
        switch (e.op()) {
        case Op::Num:
            return number(e.number());
        case Op::Sym: {
            Doc d = blank(DocKind::Sym);
            d.name = &e.name();
            return add_doc(std::move(d));
        }
        case Op::Pi:
            return add_doc(blank(DocKind::Pi));
        case Op::Add:
            return sum(e);
        case Op::Mul: {
            std::span<const NodeId> ids = e.child_ids();
            Number coef = Number::integer(1);
            if (e[0].is_number()) {
                coef = e[0].number();
                ids = ids.subspan(1);
            }
            if (coef.is_negative()) return unary(DocKind::Neg, product(-coef, ids));
            return product(coef, ids);
        }
        case Op::Pow: {
            if (e[1].is_number()) {
                const Number& k = e[1].number();
                if (k == Number::rational(1, 2)) return unary(DocKind::Sqrt, doc_of(e[0]));
                if (k.is_negative()) {
                    NodeId self = e.id();
                    return product(Number::integer(1), std::span<const NodeId>(&self, 1));
                }
            }
            return make(DocKind::Power, {{doc_of(e[0]), false}, {doc_of(e[1]), false}});
        }
        case Op::List: {
            std::vector<DocKid> items;
            for (NodeId k : e.child_ids()) items.push_back({info(k).doc, false});
            return make(DocKind::List, items);
        }
        case Op::At:
            return make(DocKind::Index, {{doc_of(e[0]), false}, {doc_of(e[1]), false}});
        case Op::Sum:
        case Op::Guard:
        case Op::Vec: {
            std::vector<DocKid> kids;
            for (NodeId k : e.child_ids()) kids.push_back({info(k).doc, false});
            return make(DocKind::Loop, kids, e.op());
        }
        case Op::RowSum:
        case Op::RowMean:
            return make(DocKind::Loop, {{row_body(e[0]), false}}, e.op());
        default:
            break;
        }
        if (e.is(Op::Exp) && e[0].is_integer(1)) return add_doc(blank(DocKind::E));
        std::vector<DocKid> args;
        for (NodeId k : e.child_ids()) args.push_back({info(k).doc, false});
        return make(DocKind::Call, args, e.op());
    }

    // --- products

    // The body of a data reduction: a product there reads residual first (see the file comment).
    std::uint32_t row_body(Expr body) {
        if (!body.is(Op::Mul)) return doc_of(body);
        std::span<const NodeId> ids = body.child_ids();
        Number coef = Number::integer(1);
        if (body[0].is_number()) {
            coef = body[0].number();
            ids = ids.subspan(1);
        }
        if (coef.is_negative()) return unary(DocKind::Neg, product(-coef, ids, true));
        return product(coef, ids, true);
    }

    // Sort key of a factor (or of the base of a denominator factor).
    struct FactorKey {
        int group; // 0 constant, 1 sum (residual first), 2 variable, vector element or power of one, 3 other
        std::string_view name;
        std::uint32_t size;
        Expr e;
    };
    static std::string_view variable_name(Expr f) {
        if (f.is(Op::Pow)) f = f[0];
        if (f.is_symbol()) return f.name();
        if (f.is(Op::At)) return f[0].name();
        return {};
    }
    FactorKey factor_key(Expr f, bool sums_first) {
        const NodeInfo& fi = info(f.id());
        if (!fi.has_symbol) return {0, {}, fi.size, f};
        if (sums_first && f.is(Op::Add)) return {1, {}, fi.size, f};
        if (std::string_view name = variable_name(f); !name.empty()) return {2, name, fi.size, f};
        return {3, {}, fi.size, f};
    }
    static bool factor_less(const FactorKey& a, const FactorKey& b) {
        if (a.group != b.group) return a.group < b.group;
        if (a.name != b.name) return a.name < b.name;
        if (a.size != b.size) return a.size < b.size;
        if (lead(a.e) != lead(b.e)) return lead(a.e) < lead(b.e);
        return Context::canonical_less(a.e, b.e);
    }

    // The doc of base^k for a positive constant k (a factor moved into a denominator).
    std::uint32_t positive_power(Expr base, const Number& k) {
        if (k.is_one()) return doc_of(base);
        if (k == Number::rational(1, 2)) return unary(DocKind::Sqrt, doc_of(base));
        return make(DocKind::Power, {{doc_of(base), false}, {number(k), false}});
    }

    std::uint32_t group(std::vector<std::uint32_t> items) {
        if (items.empty()) return number(Number::integer(1));
        if (items.size() == 1) return items[0];
        std::vector<DocKid> kids;
        for (std::uint32_t d : items) kids.push_back({d, false});
        return make(DocKind::Product, kids);
    }

    // coef * factors with coef >= 0 (or nan), the factors none of them numbers.
    std::uint32_t product(const Number& coef, std::span<const NodeId> ids, bool sums_first = false) {
        std::vector<std::pair<FactorKey, std::uint32_t>> num, den;
        for (NodeId id : ids) {
            Expr f = ctx_[id];
            if (f.is(Op::Pow) && f[1].is_number() && f[1].number().is_negative())
                den.push_back({factor_key(f[0], sums_first), positive_power(f[0], -f[1].number())});
            else
                num.push_back({factor_key(f, sums_first), doc_of(f)});
        }
        auto by_key = [](const auto& a, const auto& b) { return factor_less(a.first, b.first); };
        std::sort(num.begin(), num.end(), by_key);
        std::sort(den.begin(), den.end(), by_key);
        std::vector<std::uint32_t> top, bottom;
        if (split_ && coef.is_exact() && !coef.is_integer() && !coef.prints_as_decimal()) {
            if (coef.num() != 1) top.push_back(number(Number::integer(coef.num())));
            bottom.push_back(number(Number::integer(coef.den())));
        } else if (!coef.is_one()) {
            top.push_back(number(coef));
        }
        for (auto& f : num) top.push_back(f.second);
        for (auto& f : den) bottom.push_back(f.second);
        std::uint32_t numerator = group(std::move(top));
        if (bottom.empty()) return numerator;
        return make(DocKind::Quotient, {{numerator, false}, {group(std::move(bottom)), false}});
    }

    // --- sums

    Monomial monomial(Expr t) {
        Monomial m;
        std::span<const NodeId> ids;
        NodeId self = t.id();
        if (t.is(Op::Mul)) {
            ids = t.child_ids();
            if (t[0].is_number()) ids = ids.subspan(1);
        } else {
            ids = std::span<const NodeId>(&self, 1);
        }
        for (NodeId id : ids) {
            Expr f = ctx_[id];
            if (f.is_symbol()) {
                m.powers.push_back({f.name(), 1});
            } else if (f.is(Op::Pow) && f[0].is_symbol() && f[1].is_number() && f[1].number().is_integer() &&
                       f[1].number().num() > 0) {
                m.powers.push_back({f[0].name(), f[1].number().num()});
            } else {
                return {};
            }
        }
        m.poly = true;
        std::sort(m.powers.begin(), m.powers.end());
        for (auto& p : m.powers) m.degree += p.second;
        return m;
    }

    struct Term {
        int group; // 0 monomial, 1 other, 2 constant
        Monomial mono;
        std::uint32_t size;
        Expr e;
        DocKid kid;
    };

    // Lexicographic order of monomials: at the first variable (by name) where the exponents
    // differ, the larger exponent comes first.
    static bool lex_first(const Monomial& a, const Monomial& b) {
        std::size_t i = 0, j = 0;
        while (i < a.powers.size() || j < b.powers.size()) {
            if (j == b.powers.size() || (i < a.powers.size() && a.powers[i].first < b.powers[j].first)) return true;
            if (i == a.powers.size() || b.powers[j].first < a.powers[i].first) return false;
            if (a.powers[i].second != b.powers[j].second) return a.powers[i].second > b.powers[j].second;
            ++i;
            ++j;
        }
        return false;
    }

    static bool term_less(const Term& a, const Term& b) {
        if (a.group != b.group) return a.group < b.group;
        if (a.group == 0) {
            if (a.mono.degree != b.mono.degree) return a.mono.degree > b.mono.degree;
            if (lex_first(a.mono, b.mono)) return true;
            if (lex_first(b.mono, a.mono)) return false;
        } else if (a.size != b.size) {
            return a.size < b.size;
        } else if (lead(a.e) != lead(b.e)) {
            return lead(a.e) < lead(b.e);
        }
        return Context::canonical_less(a.e, b.e);
    }

    std::uint32_t sum(Expr e) {
        std::vector<Term> terms;
        for (NodeId id : e.child_ids()) {
            Expr t = ctx_[id];
            Term term{1, {}, info(id).size, t, {info(id).doc, false}};
            if (t.is_number()) {
                term.group = 2;
                if (t.number().is_negative()) term.kid = {number(-t.number()), true};
            } else {
                term.mono = monomial(t);
                if (term.mono.poly) term.group = 0;
                if (t.is(Op::Mul) && t[0].is_number() && t[0].number().is_negative())
                    term.kid = {product(-t[0].number(), t.child_ids().subspan(1)), true};
            }
            terms.push_back(std::move(term));
        }
        std::sort(terms.begin(), terms.end(), term_less);
        auto first_added = std::find_if(terms.begin(), terms.end(), [](const Term& t) { return !t.kid.minus; });
        if (first_added != terms.end()) std::rotate(terms.begin(), first_added, first_added + 1);
        std::vector<DocKid> kids;
        for (const Term& t : terms) kids.push_back(t.kid);
        return make(DocKind::Sum, kids);
    }

    const Context& ctx_;
    bool split_;
    std::vector<NodeId> order_;
    std::vector<NodeInfo> info_;
    Layout out_;
};

} // namespace

Layout make_layout(Expr e, bool split_rationals) { return Builder(e, split_rationals).take(); }

} // namespace symdiff::detail
