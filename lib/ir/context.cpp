// The canonicalising smart constructors of Context (storage.cpp interns the nodes they make;
// walks.cpp has the queries over a DAG).
#include <algorithm>
#include <cmath>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <type_traits>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "symdiff/diagnostic.hpp"
#include "symdiff/expr.hpp"
#include "ir/hash.hpp"
#include "ir/storage.hpp"

namespace symdiff {

namespace {

struct OpInfo {
    std::string_view name;
    int arity;
    OpKind kind;
};

constexpr OpInfo kOps[] = {
#define SYMDIFF_OP(name, spelling, arity, kind) {spelling, arity, OpKind::kind},
#include "symdiff/ops.def"
#undef SYMDIFF_OP
};

} // namespace

std::string_view op_name(Op op) { return kOps[static_cast<std::size_t>(op)].name; }
int op_arity(Op op) { return kOps[static_cast<std::size_t>(op)].arity; }
OpKind op_kind(Op op) { return kOps[static_cast<std::size_t>(op)].kind; }

namespace {

// Operand lists are short; small vectors keep the smart constructors off the heap.
template <typename T, std::size_t N = 8>
using SmallVector = boost::container::small_vector<T, N>;

template <typename T>
struct Small : SmallVector<T> {
    using SmallVector<T>::SmallVector;
    operator std::span<const T>() const { return {this->data(), this->size()}; }
};
using SmallIds = Small<NodeId>;
using SmallExprs = Small<Expr>;

template <typename... E>
SmallIds ids_list(E... e) {
    return SmallIds{e.id()...};
}

SmallIds ids_of(std::span<const Expr> v) {
    SmallIds r;
    r.reserve(v.size());
    for (Expr e : v) r.push_back(e.id());
    return r;
}

} // namespace

#define SYMDIFF_RAW(op, ...) Expr(this, make_raw(op, __VA_ARGS__))

Expr Context::number(const Number& n) {
    if (n.is_integer() && n.num() >= Impl::kSmallLo && n.num() <= Impl::kSmallHi) {
        std::atomic<NodeId>& slot = impl_->small[n.num() - Impl::kSmallLo];
        NodeId id = slot.load(std::memory_order_acquire);
        if (id == kEmpty) {
            id = make_raw(Op::Num, std::span<const NodeId>(), n);
            slot.store(id, std::memory_order_release);
        }
        return Expr(this, id);
    }
    return SYMDIFF_RAW(Op::Num, std::span<const NodeId>(), n);
}

Expr Context::symbol(std::string_view name) {
    std::lock_guard<std::mutex> sym_lock(impl_->symbol_mu);
    auto it = impl_->symbols.find(name);
    if (it != impl_->symbols.end()) return Expr(this, it->second);
    impl_->names.push_back(std::make_unique<std::string>(name));
    const std::string* stable = impl_->names.back().get();
    Expr s = SYMDIFF_RAW(Op::Sym, std::span<const NodeId>(), Number(), stable);
    impl_->symbols.emplace(*stable, s.id());
    return s;
}

Expr Context::pi() { return SYMDIFF_RAW(Op::Pi, std::span<const NodeId>()); }

Expr Context::e() { return call(Op::Exp, {integer(1)}); }

bool Context::canonical_less(Expr a, Expr b) {
    if (a == b) return false;
    bool an = a.is_number(), bn = b.is_number();
    if (an != bn) return an;
    if (an) return less(a.number(), b.number());
    if (a.key() != b.key()) return a.key() < b.key();
    // A structural-key collision (or equal structure in two Contexts): compare structurally.
    if (a.op() != b.op()) return a.op() < b.op();
    if (a.is_symbol()) return a.name() < b.name();
    if (a.size() != b.size()) return a.size() < b.size();
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == b[i]) continue;
        return canonical_less(a[i], b[i]);
    }
    return false;
}

namespace {

// The position of an Expr in a vector of distinct Exprs: a linear search while the vector
// is short (the common case, with no allocation), then an open-addressing table of
// (id, position) built once the vector grows: a parsed 1 MB sum has tens of thousands of
// terms, and a node-based hash map allocated once per term.
class BaseIndex {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    template <typename Exprs>
    std::size_t find(const Exprs& items, Expr e) {
        if (items.size() <= kLinear) {
            for (std::size_t j = 0; j < items.size(); ++j)
                if (items[j] == e) return j;
            return npos;
        }
        if (slots_.empty()) rebuild(items, items.size());
        for (std::size_t i = slot_of(e.id());; i = (i + 1) & mask_) {
            if (slots_[i].id == kEmpty) return npos;
            if (slots_[i].id == e.id()) return slots_[i].at;
        }
    }
    template <typename Exprs>
    void insert(Exprs& items, Expr e) {
        items.push_back(e);
        if (slots_.empty()) return;
        if (items.size() * 2 > slots_.size()) rebuild(items, items.size());
        else put(e.id(), items.size() - 1);
    }

private:
    static constexpr std::size_t kLinear = 16;
    struct Slot {
        NodeId id;
        std::size_t at;
    };
    std::size_t slot_of(NodeId id) const {
        return static_cast<std::size_t>((std::uint64_t{id} * 0x9e3779b97f4a7c15ULL) >> shift_) & mask_;
    }
    void put(NodeId id, std::size_t at) {
        std::size_t i = slot_of(id);
        while (slots_[i].id != kEmpty) i = (i + 1) & mask_;
        slots_[i] = {id, at};
    }
    template <typename Exprs>
    void rebuild(const Exprs& items, std::size_t n) {
        unsigned bits = 6;
        while ((std::size_t{1} << bits) < 4 * n) ++bits;
        slots_.assign(std::size_t{1} << bits, Slot{kEmpty, 0});
        mask_ = slots_.size() - 1;
        shift_ = 64 - bits;
        for (std::size_t j = 0; j < n; ++j) put(items[j].id(), j);
    }
    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    unsigned shift_ = 0;
};

// The order of Context::canonical_less, with each operand's kind and key read once rather
// than in every comparison: a long sum (a parsed 1 MB expression has tens of thousands of
// terms) spent most of its sort reading nodes. Ties of kind and key fall back to
// canonical_less itself, so the order is the same.
// a + b and a*b, skipping the 128-bit reduction where it cannot change b: 0 + b and 1*b for
// an exact b are b, field for field (b is already reduced). An inexact b still goes through
// the operator, which may turn it into a rational.
Number plus(const Number& a, const Number& b) { return a.is_exact() && a.is_zero() && b.is_exact() ? b : a + b; }
Number times(const Number& a, const Number& b) { return a.is_one() && b.is_exact() ? b : a * b; }

template <typename Exprs>
void sort_canonical(Exprs& v) {
    if (v.size() < 2) return;
    struct Keyed {
        std::uint64_t key;
        bool number;
        Expr e;
    };
    SmallVector<Keyed> keyed;
    keyed.reserve(v.size());
    for (Expr e : v) keyed.push_back({e.key(), e.is_number(), e});
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
        if (a.number != b.number) return a.number;
        if (!a.number && a.key != b.key) return a.key < b.key;
        return Context::canonical_less(a.e, b.e);
    });
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = keyed[i].e;
}

} // namespace

Expr Context::add(std::span<const Expr> terms) {
    Number constant = Number::integer(0);
    SmallExprs rests;
    SmallVector<Number> coefs;
    BaseIndex where;
    SmallExprs work(terms.begin(), terms.end());
    for (std::size_t i = 0; i < work.size(); ++i) {
        Expr t = work[i];
        if (t.is(Op::Add)) {
            for (NodeId k : t.child_ids()) work.push_back((*this)[k]);
            continue;
        }
        if (t.is_number()) {
            constant = plus(constant, t.number());
            continue;
        }
        // Split off the numeric coefficient: 3*x*y -> (3, x*y).
        Number c = Number::integer(1);
        Expr rest = t;
        if (t.is(Op::Mul) && t[0].is_number()) {
            c = t[0].number();
            rest = t.size() == 2 ? t[1] : SYMDIFF_RAW(Op::Mul, t.child_ids().subspan(1));
        }
        std::size_t at = where.find(rests, rest);
        if (at == BaseIndex::npos) {
            where.insert(rests, rest);
            coefs.push_back(c);
        } else {
            coefs[at] = coefs[at] + c;
        }
    }
    SmallExprs out;
    out.reserve(rests.size() + 1);
    for (std::size_t i = 0; i < rests.size(); ++i) {
        if (coefs[i].is_zero()) continue;
        if (coefs[i].is_one()) {
            out.push_back(rests[i]);
            continue;
        }
        SmallIds kids{number(coefs[i]).id()};
        if (rests[i].is(Op::Mul)) {
            for (NodeId k : rests[i].child_ids()) kids.push_back(k);
        } else {
            kids.push_back(rests[i].id());
        }
        out.push_back(SYMDIFF_RAW(Op::Mul, kids));
    }
    if (!constant.is_zero() || out.empty()) out.push_back(number(constant));
    if (out.size() == 1) return out[0];
    sort_canonical(out);
    return SYMDIFF_RAW(Op::Add, ids_of(out));
}

// add({e}) where it is e itself: an exact number, or a term that is neither a sum, a product
// nor a number (its coefficient is 1, so add returns it unchanged).
namespace {
Expr sum_of_one(Context& ctx, Expr e) {
    if (e.is_number() ? e.number().is_exact() : !e.is(Op::Add) && !e.is(Op::Mul)) return e;
    return ctx.add({e});
}
} // namespace

Expr Context::mul(std::span<const Expr> factors) {
    Number coef = Number::integer(1);
    // Distinct bases in order of first appearance with the exponent each first came with (null
    // for 1); repeated bases go to `more` as (index, exponent). No per-base allocation, and
    // no hash map for the usual few factors (the parser builds millions of small products).
    SmallExprs bases;
    SmallExprs first_exp;
    boost::container::small_vector<std::pair<std::size_t, Expr>, 4> more;
    BaseIndex where;
    SmallExprs work(factors.begin(), factors.end());
    for (std::size_t i = 0; i < work.size(); ++i) {
        Expr f = work[i];
        if (f.is(Op::Mul)) {
            for (NodeId k : f.child_ids()) work.push_back((*this)[k]);
            continue;
        }
        if (f.is_number()) {
            coef = times(coef, f.number());
            continue;
        }
        Expr base = f, ex;
        if (f.is(Op::Pow)) {
            base = f[0];
            ex = f[1];
        }
        std::size_t at = where.find(bases, base);
        if (at == BaseIndex::npos) {
            where.insert(bases, base);
            first_exp.push_back(ex);
        } else {
            more.emplace_back(at, ex);
        }
    }
    if (coef.is_zero()) return integer(0);
    std::stable_sort(more.begin(), more.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    SmallExprs out;
    SmallExprs again; // powers that came back as products and must be merged once more
    bool reshaped = false;
    std::size_t m = 0;
    for (std::size_t i = 0; i < bases.size(); ++i) {
        Expr p;
        if (m < more.size() && more[m].first == i) {
            SmallExprs exps{first_exp[i].is_null() ? integer(1) : first_exp[i]};
            for (; m < more.size() && more[m].first == i; ++m)
                exps.push_back(more[m].second.is_null() ? integer(1) : more[m].second);
            p = pow(bases[i], add(exps));
        } else {
            p = first_exp[i].is_null() ? bases[i] : pow(bases[i], sum_of_one(*this, first_exp[i]));
        }
        if (p.is_number()) coef = coef * p.number();
        else if (p.is(Op::Mul)) again.push_back(p);
        else out.push_back(p);
        if (!p.is_number() && !p.is(Op::Mul) && (p.is(Op::Pow) ? p[0] : p) != bases[i]) reshaped = true;
    }
    // A power that changed its base (exp(a)*exp(a) -> exp(2*a)) can meet another factor of the
    // new base (exp(2*a)); then the product is merged once more, with strictly fewer factors.
    if (reshaped && again.empty()) {
        std::vector<Expr> seen;
        for (Expr p : out) {
            Expr b = p.is(Op::Pow) ? p[0] : p;
            if (std::find(seen.begin(), seen.end(), b) != seen.end()) {
                out.push_back(number(coef));
                return mul(out);
            }
            seen.push_back(b);
        }
    }
    if (!again.empty()) {
        again.insert(again.end(), out.begin(), out.end());
        again.push_back(number(coef));
        return mul(again);
    }
    if (coef.is_zero()) return integer(0);
    if (out.empty()) return number(coef);
    if (out.size() == 1 && coef.is_one()) return out[0];
    sort_canonical(out);
    if (!coef.is_one()) out.insert(out.begin(), number(coef));
    return SYMDIFF_RAW(Op::Mul, ids_of(out));
}

Expr Context::pow(Expr b, Expr e) {
    if (e.is_number()) {
        const Number& n = e.number();
        if (n.is_zero()) return integer(1);
        if (n.is_one()) return b;
        if (b.is_number()) {
            if (auto r = Number::pow(b.number(), n)) return number(*r);
            const NodeId kids[] = {b.id(), e.id()};
            return SYMDIFF_RAW(Op::Pow, kids);
        }
        if (n.is_integer()) {
            if (b.is(Op::Pow)) return pow(b[0], mul({b[1], e}));
            if (b.is(Op::Mul)) {
                std::vector<Expr> fs;
                for (NodeId k : b.child_ids()) fs.push_back(pow((*this)[k], e));
                return mul(fs);
            }
        }
    }
    if (b.is_number() && b.number().is_one()) return integer(1);
    if (b.is(Op::Exp)) return call(Op::Exp, {mul({b[0], e})});
    const NodeId kids[] = {b.id(), e.id()};
    return SYMDIFF_RAW(Op::Pow, kids);
}

Expr Context::neg(Expr a) {
    // What mul({-1, a}) makes, without its bookkeeping, when a is neither a product nor a power.
    // Any other non-number a is then the only base, with exponent 1: the product is Mul(-1, a).
    if (!a.is(Op::Mul) && !a.is(Op::Pow) && !a.is_number()) {
        const NodeId kids[] = {integer(-1).id(), a.id()};
        return SYMDIFF_RAW(Op::Mul, kids);
    }
    if (a.is_number()) {
        // mul folds -1 * a into its coefficient and returns that number (0 as integer(0)).
        Number r = Number::integer(-1) * a.number();
        return r.is_zero() ? integer(0) : number(r);
    }
    // A product. mul({-1, a}) unpacks a's factors and folds -1 into the coefficient; where
    // the factors have distinct bases and each comes back unchanged from mul's
    // pow(base, exponent), it keeps them all and only the coefficient changes. Both are
    // checked here (the powers are looked up in the same order, not assumed); anything
    // else takes mul's general path.
    Expr minus_one = integer(-1);
    if (a.is(Op::Pow) || a.size() > 16) return mul({minus_one, a});
    SmallExprs out;
    Number coef = Number::integer(-1);
    for (std::size_t i = 0; i < a.size(); ++i) {
        Expr f = a[i];
        if (f.is_number() && i == 0) {
            coef = coef * f.number();
            continue;
        }
        Expr base = f.is(Op::Pow) ? f[0] : f;
        bool distinct = !f.is_number() && !f.is(Op::Mul);
        for (Expr g : out) distinct = distinct && (g.is(Op::Pow) ? g[0] : g) != base;
        if (!distinct) return mul({minus_one, a});
        out.push_back(f);
    }
    if (coef.is_zero()) return integer(0);
    for (Expr f : out)
        if (f.is(Op::Pow) && pow(f[0], sum_of_one(*this, f[1])) != f) return mul({minus_one, a});
    if (out.empty()) return number(coef);
    if (out.size() == 1 && coef.is_one()) return out[0];
    sort_canonical(out);
    if (!coef.is_one()) out.insert(out.begin(), number(coef));
    return SYMDIFF_RAW(Op::Mul, ids_of(out));
}
Expr Context::sub(Expr a, Expr b) { return add({a, neg(b)}); }
Expr Context::div(Expr a, Expr b) { return mul({a, pow(b, integer(-1))}); }
Expr Context::sqrt(Expr a) { return pow(a, rational(1, 2)); }

namespace {

bool is_zero(Expr e) { return e.is_number() && e.number().is_zero(); }

} // namespace

Expr Context::call(Op fn, std::span<const Expr> args) {
    if (op_kind(fn) != OpKind::Function) throw Error(std::string("'") + std::string(op_name(fn)) + "' is not a function");
    if (static_cast<int>(args.size()) != op_arity(fn)) {
        throw Error(std::string(op_name(fn)) + " takes " + std::to_string(op_arity(fn)) + " argument" +
                    (op_arity(fn) == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
    }
    Expr a = args[0];
    // Exact values at the points every textbook table lists; everything else stays symbolic.
    switch (fn) {
    case Op::Exp:
        if (is_zero(a)) return integer(1);
        break;
    case Op::Log:
        if (a.is_integer(1)) return integer(0);
        if (a.is(Op::Exp)) return a[0];
        // ln(sigmoid(z)) = -softplus(-z) and ln(1 - sigmoid(z)) = -softplus(z): equal values,
        // but the logarithm of a probability that rounded to 0 (sigmoid(-800)) is -inf, while
        // softplus is finite and accurate everywhere. Cross-entropy then needs no clipping.
        if (a.is(Op::Sigmoid)) return neg(call(Op::Softplus, {neg(a[0])}));
        if (a.is(Op::Add) && a.size() == 2 && a[0].is_integer(1) && a[1].is(Op::Mul) && a[1].size() == 2 &&
            a[1][0].is_integer(-1) && a[1][1].is(Op::Sigmoid))
            return neg(call(Op::Softplus, {a[1][1][0]}));
        break;
    case Op::Sin: case Op::Tan: case Op::Asin: case Op::Atan: case Op::Sinh: case Op::Tanh:
    case Op::Asinh: case Op::Atanh: case Op::Erf: case Op::Cbrt:
        if (is_zero(a)) return integer(0);
        break;
    case Op::Cos: case Op::Cosh:
        if (is_zero(a)) return integer(1);
        break;
    case Op::Acosh:
        if (a.is_integer(1)) return integer(0);
        break;
    case Op::Acos:
        if (a.is_integer(1)) return integer(0);
        break;
    case Op::Sigmoid:
        if (is_zero(a)) return rational(1, 2);
        break;
    case Op::Abs:
        if (a.is_number() && !std::isnan(a.number().value())) return a.number().is_negative() ? number(-a.number()) : a;
        if (a.is(Op::Abs)) return a;
        break;
    case Op::Sign:
        if (a.is_number() && !std::isnan(a.number().value()))
            return integer(a.number().is_zero() ? 0 : a.number().is_negative() ? -1 : 1);
        break;
    case Op::Heaviside:
        if (a.is_number() && !std::isnan(a.number().value())) return integer(a.number().value() > 0 ? 1 : 0);
        break;
    case Op::Relu:
        if (a.is_number() && !std::isnan(a.number().value())) return a.number().value() > 0 ? a : integer(0);
        break;
    case Op::Max: case Op::Min:
        if (args[0] == args[1]) return args[0];
        if (args[0].is_number() && args[1].is_number() && !std::isnan(args[0].number().value()) &&
            !std::isnan(args[1].number().value())) {
            bool first = less(args[1].number(), args[0].number()) == (fn == Op::Max);
            return first ? args[0] : args[1];
        }
        break;
    default:
        break;
    }
    return SYMDIFF_RAW(fn, ids_of(args));
}

Expr Context::list(std::span<const Expr> items) { return SYMDIFF_RAW(Op::List, ids_of(items)); }

namespace {

void require_symbol(Expr e, const char* what) {
    if (!e.is_symbol()) throw Error(std::string(what) + " must be a name");
}

// A numeric coefficient of a product, for taking it outside a linear reduction.
std::pair<Expr, Expr> split_coefficient(Context& ctx, Expr body) {
    if (body.is(Op::Mul) && body[0].is_number()) {
        SmallExprs rest;
        for (std::size_t i = 1; i < body.size(); ++i) rest.push_back(body[i]);
        return {body[0], ctx.mul(rest)};
    }
    return {Expr(), body};
}

bool excludes_all(Expr lo, Expr hi) {
    return lo.is_number() && hi.is_number() && less(hi.number(), lo.number());
}

} // namespace

Expr Context::at(Expr vector, Expr index) {
    require_symbol(vector, "the vector of an index x[k]");
    return SYMDIFF_RAW(Op::At, ids_list(vector, index));
}

Expr Context::len(Expr vector) {
    require_symbol(vector, "the argument of len");
    return SYMDIFF_RAW(Op::Len, ids_list(vector));
}

Expr Context::sum(Expr index, Expr lo, Expr hi, Expr body) {
    require_symbol(index, "the index of a sum");
    if (is_zero(body) || excludes_all(lo, hi)) return integer(0);
    auto [c, rest] = split_coefficient(*this, body);
    if (!c.is_null()) return mul({c, sum(index, lo, hi, rest)});
    return SYMDIFF_RAW(Op::Sum, ids_list(index, lo, hi, body));
}

Expr Context::row_sum(Expr body) {
    if (is_zero(body)) return integer(0);
    auto [c, rest] = split_coefficient(*this, body);
    if (!c.is_null()) return mul({c, row_sum(rest)});
    return SYMDIFF_RAW(Op::RowSum, ids_list(body));
}

Expr Context::row_mean(Expr body) {
    if (body.is_number()) return body;
    auto [c, rest] = split_coefficient(*this, body);
    if (!c.is_null()) return mul({c, row_mean(rest)});
    return SYMDIFF_RAW(Op::RowMean, ids_list(body));
}

Expr Context::guard(Expr index, Expr lo, Expr hi, Expr body) {
    require_symbol(index, "the index of a guard");
    if (is_zero(body) || excludes_all(lo, hi)) return integer(0);
    return SYMDIFF_RAW(Op::Guard, ids_list(index, lo, hi, body));
}

Expr Context::vec(Expr index, Expr lo, Expr hi, Expr body) {
    require_symbol(index, "the index of a vector");
    return SYMDIFF_RAW(Op::Vec, ids_list(index, lo, hi, body));
}

Expr Context::max_over(Expr index, Expr lo, Expr hi, Expr body) {
    require_symbol(index, "the index of a maximum");
    return SYMDIFF_RAW(Op::MaxOver, ids_list(index, lo, hi, body));
}

Expr Context::row_max(Expr body) { return SYMDIFF_RAW(Op::RowMax, ids_list(body)); }

Expr Context::rebuild(Expr like, std::span<const Expr> kids) {
    switch (op_kind(like.op())) {
    case OpKind::Atom:
        return like;
    case OpKind::Function:
        return call(like.op(), kids);
    case OpKind::Operator:
        break;
    }
    switch (like.op()) {
    case Op::Add: return add(kids);
    case Op::Mul: return mul(kids);
    case Op::Pow: return pow(kids[0], kids[1]);
    case Op::List: return list(kids);
    case Op::At: return at(kids[0], kids[1]);
    case Op::Len: return len(kids[0]);
    case Op::Sum: return sum(kids[0], kids[1], kids[2], kids[3]);
    case Op::RowSum: return row_sum(kids[0]);
    case Op::RowMean: return row_mean(kids[0]);
    case Op::Guard: return guard(kids[0], kids[1], kids[2], kids[3]);
    case Op::Vec: return vec(kids[0], kids[1], kids[2], kids[3]);
    case Op::MaxOver: return max_over(kids[0], kids[1], kids[2], kids[3]);
    case Op::RowMax: return row_max(kids[0]);
    default: break;
    }
    assert(false && "rebuild: unhandled operator");
    return like;
}

#undef SYMDIFF_RAW

namespace {
} // namespace

Expr operator+(Expr a, Expr b) { return a.context().add({a, b}); }
Expr operator-(Expr a, Expr b) { return a.context().sub(a, b); }
Expr operator*(Expr a, Expr b) { return a.context().mul({a, b}); }
Expr operator/(Expr a, Expr b) { return a.context().div(a, b); }
Expr operator-(Expr a) { return a.context().neg(a); }
Expr pow(Expr base, Expr exponent) { return base.context().pow(base, exponent); }

} // namespace symdiff
