/// \file Deterministic random expressions and points for property tests.
///
/// Usage:
///
///     symdiff::Context ctx;
///     symdiff::testing::RandomExprOptions opt;
///     opt.max_depth = 5;            // 0..6: levels of operators above the leaves
///     opt.smooth = true;            // derivative tests: differentiable everywhere (see below)
///     symdiff::testing::RandomExpr gen(ctx, seed, opt);
///     symdiff::Expr e = gen.next();  // same seed and options: same sequence, every platform
///     symdiff::Bindings at = gen.point(-2, 2);
///
/// The sequence depends only on the seed and the options (std::mt19937_64 and integer draws;
/// no std::uniform_*_distribution, whose output differs between standard libraries), so a
/// failure is reproduced by printing the seed and the index of the expression.
///
/// Options:
///  - `variables`: names of the leaves (default x, y, z). Use names the parser reads back as
///    one variable: not e, pi, inf, nan or a function name, and not juxtaposed letters of
///    other variables (`xy` next to `x` and `y` parses as x*y).
///  - `ops`: the ops to draw from (default: every op of ops.def but the atoms and List).
///    Add and Mul also stand for a - b and a / b, drawn half of the time.
///  - `constants`: a bit set of ConstantKind. Integers, rationals (`2/3`), short decimals
///    (`0.25`, `1e-3`), negative ones, inexact doubles (`0.30000000000000004`) and inf, -inf,
///    nan. The default is every finite kind.
///  - `smooth`: draw only ops that are differentiable everywhere, in domain-safe forms:
///    ln(1 + a^2), sqrt(1 + a^2), cbrt(1 + a^2), asin(tanh(a)), acos(tanh(a)),
///    atanh(tanh(a)/2), acosh(2 + a^2), tan(tanh(a)), atan2(a, 1 + b^2), (1 + a^2)^c for a
///    rational c, a^n for n = 2, 3, 1/(1 + a^2) for division; no abs, sign, heaviside, relu,
///    max or min; finite exact constants only. Values can still overflow (exp(exp(exp(x))));
///    derivative tests skip points where f or the reference is not finite.
///  - `lists`: allow List nodes (top level only), for printers; evaluation rejects lists.
#pragma once

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"

namespace symdiff::testing {

enum ConstantKind : unsigned {
    kIntegers = 1u << 0,
    kRationals = 1u << 1,
    kDecimals = 1u << 2,
    kNegative = 1u << 3,
    kFloats = 1u << 4,
    kNonFinite = 1u << 5,
    kAllFinite = kIntegers | kRationals | kDecimals | kNegative | kFloats,
    kAllConstants = kAllFinite | kNonFinite,
};

struct RandomExprOptions {
    int max_depth = 4;
    std::vector<std::string> variables{"x", "y", "z"};
    std::vector<Op> ops;
    unsigned constants = kAllFinite;
    bool smooth = false;
    bool lists = false;
    /// Chance that a node above the leaves is a leaf anyway, so that sizes vary.
    double leaf_chance = 0.25;
};

class RandomExpr {
public:
    RandomExpr(Context& ctx, std::uint64_t seed, RandomExprOptions options = {})
        : ctx_(ctx), rng_(seed), seed_(seed), opt_(std::move(options)) {
        if (opt_.max_depth < 0) opt_.max_depth = 0;
        if (opt_.max_depth > 6) opt_.max_depth = 6;
        if (opt_.ops.empty()) {
            for (std::size_t i = 0; i < op_count(); ++i) {
                Op op = static_cast<Op>(i);
                // Vectors and reductions need bound indices and data: their tests draw them.
                bool vector_op = is_reduction(op) || op == Op::At || op == Op::Len || op == Op::Guard;
                if (op_kind(op) != OpKind::Atom && op != Op::List && !vector_op) opt_.ops.push_back(op);
            }
        }
        if (opt_.smooth) {
            std::vector<Op> keep;
            for (Op op : opt_.ops)
                if (!is_nonsmooth(op) && op != Op::List) keep.push_back(op);
            opt_.ops = keep;
            opt_.constants &= kIntegers | kRationals | kDecimals | kNegative;
        }
        if (opt_.constants == 0) opt_.constants = kIntegers;
    }

    std::uint64_t seed() const { return seed_; }
    const RandomExprOptions& options() const { return opt_; }

    /// The variables as symbols of the context, in the order of options().variables: the
    /// `vars` of gradient() and the inputs of an Interpreter or a compiled kernel.
    std::vector<Expr> variables() const {
        std::vector<Expr> v;
        for (const std::string& name : opt_.variables) v.push_back(ctx_.symbol(name));
        return v;
    }
    std::mt19937_64& engine() { return rng_; }

    /// The next expression of the sequence.
    Expr next() {
        if (opt_.lists && below(8) == 0) {
            std::vector<Expr> items;
            for (int n = 1 + static_cast<int>(below(3)); n > 0; --n) items.push_back(node(opt_.max_depth > 0 ? opt_.max_depth - 1 : 0));
            return ctx_.list(items);
        }
        return node(opt_.max_depth);
    }

    /// An expression of at most `depth` operator levels (before smooth-mode wrapping).
    Expr node(int depth) {
        if (depth <= 0 || opt_.ops.empty() || chance(opt_.leaf_chance)) return leaf();
        Op op = opt_.ops[below(opt_.ops.size())];
        auto sub = [&] { return node(depth - 1); };
        switch (op) {
        case Op::Add: {
            if (chance(0.5)) {
                Expr a = sub();
                return ctx_.sub(a, sub());
            }
            std::vector<Expr> terms;
            for (int n = 2 + static_cast<int>(below(2)); n > 0; --n) terms.push_back(sub());
            return ctx_.add(terms);
        }
        case Op::Mul: {
            if (chance(0.5)) {
                Expr a = sub();
                Expr b = sub();
                return ctx_.div(a, opt_.smooth ? positive(b) : b);
            }
            std::vector<Expr> factors;
            for (int n = 2 + static_cast<int>(below(2)); n > 0; --n) factors.push_back(sub());
            return ctx_.mul(factors);
        }
        case Op::Pow:
            return power(sub());
        default:
            break;
        }
        if (op_arity(op) == 2) {
            Expr a = sub();
            Expr b = sub();
            if (opt_.smooth && op == Op::Atan2) b = positive(b);
            return ctx_.call(op, {a, b});
        }
        return function(op, sub());
    }

    /// A variable, a constant, pi or e.
    Expr leaf() {
        std::uint64_t r = below(20);
        if (r < 12 && !opt_.variables.empty()) return ctx_.symbol(opt_.variables[below(opt_.variables.size())]);
        if (r == 12) return ctx_.pi();
        if (r == 13) return ctx_.e();
        return constant();
    }

    /// A constant of one of the enabled kinds.
    Expr constant() {
        std::vector<unsigned> kinds;
        for (unsigned k : {kIntegers, kRationals, kDecimals, kFloats, kNonFinite})
            if (opt_.constants & k) kinds.push_back(k);
        if (kinds.empty()) kinds.push_back(kIntegers);
        unsigned kind = kinds[below(kinds.size())];
        bool negate = (opt_.constants & kNegative) && chance(0.3);
        Number n;
        switch (kind) {
        case kRationals:
            n = Number::rational(1 + static_cast<std::int64_t>(below(9)), 2 + static_cast<std::int64_t>(below(11)));
            break;
        case kDecimals: {
            static const char* const texts[] = {"0.5", "0.25", "2.5", "0.1", "1e-3", "1.75", "12.5", "0.001", "3.14"};
            n = *Number::from_decimal(texts[below(std::size(texts))]);
            break;
        }
        case kFloats: {
            // Doubles with no short decimal form, so they stay inexact.
            static const double values[] = {0.1 + 0.2, 1.0 / 3.0 * 3.1, 2.0 / 7.0 + 1e-17, 1e300, 6.02214076e-23 * 3.3,
                                            1.0000000000000002};
            n = Number::from_double(values[below(std::size(values))]);
            break;
        }
        case kNonFinite: {
            std::uint64_t w = below(3);
            double inf = std::numeric_limits<double>::infinity();
            n = Number::from_double(w == 0 ? inf : w == 1 ? -inf : std::numeric_limits<double>::quiet_NaN());
            negate = false;
            break;
        }
        default:
            n = Number::integer(static_cast<std::int64_t>(below(10)));
            break;
        }
        if (negate) n = -n;
        return ctx_.number(n);
    }

    /// A point binding every variable to a value drawn uniformly from [lo, hi).
    Bindings point(double lo, double hi) {
        Bindings b;
        for (const std::string& v : opt_.variables) b[v] = uniform(lo, hi);
        return b;
    }

    /// A double in [lo, hi) from the engine's next 53 bits.
    double uniform(double lo, double hi) {
        double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
        return lo + (hi - lo) * u;
    }

    /// An integer in [0, n), n > 0, without modulo bias worth caring about for tests.
    std::uint64_t below(std::uint64_t n) { return (rng_() >> 11) % n; }
    bool chance(double p) { return uniform(0, 1) < p; }

private:
    static bool is_nonsmooth(Op op) {
        return op == Op::Abs || op == Op::Sign || op == Op::Heaviside || op == Op::Relu || op == Op::Max ||
               op == Op::Min;
    }

    Expr one() { return ctx_.integer(1); }
    Expr square(Expr a) { return ctx_.pow(a, ctx_.integer(2)); }
    Expr positive(Expr a) { return ctx_.add({one(), square(a)}); }

    Expr power(Expr base) {
        if (opt_.smooth) {
            std::uint64_t r = below(3);
            if (r == 0) return ctx_.pow(base, ctx_.integer(2));
            if (r == 1) return ctx_.pow(base, ctx_.integer(3));
            return ctx_.pow(positive(base), ctx_.rational(static_cast<std::int64_t>(below(7)) - 3, 2 + static_cast<std::int64_t>(below(3))));
        }
        switch (below(6)) {
        case 0: return ctx_.pow(base, ctx_.integer(static_cast<std::int64_t>(below(8)) - 3));
        case 1: return ctx_.pow(base, ctx_.rational(chance(0.5) ? 1 : -1, 2));
        case 2: return ctx_.pow(base, ctx_.rational(static_cast<std::int64_t>(below(5)) - 2, 3));
        case 3: return ctx_.pow(base, constant());
        case 4: return ctx_.pow(constant(), base);
        default: return ctx_.pow(base, node(1));
        }
    }

    Expr function(Op op, Expr a) {
        if (opt_.smooth) {
            Expr t = ctx_.call(Op::Tanh, {a});
            switch (op) {
            case Op::Log: case Op::Cbrt:
                return ctx_.call(op, {positive(a)});
            case Op::Asin: case Op::Acos: case Op::Tan:
                return ctx_.call(op, {t});
            case Op::Atanh:
                return ctx_.call(op, {ctx_.mul({ctx_.rational(1, 2), t})});
            case Op::Acosh:
                return ctx_.call(op, {ctx_.add({ctx_.integer(2), square(a)})});
            default:
                break;
            }
        }
        return ctx_.call(op, {a});
    }

    Context& ctx_;
    std::mt19937_64 rng_;
    std::uint64_t seed_;
    RandomExprOptions opt_;
};

} // namespace symdiff::testing
