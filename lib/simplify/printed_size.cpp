// The printed length of an expression in tokens, as bench/forms/measure.py counts them, from
// the structure alone.
#include "printed_size.hpp"

#include <limits>

namespace symdiff::detail {
namespace {

bool negative_term(Expr t) {
    if (t.is_number()) return t.number().is_negative();
    return t.is(Op::Mul) && t[0].is_number() && t[0].number().is_negative();
}

std::size_t number_tokens(const Number& n) {
    const std::size_t sign = n.is_negative() ? 1 : 0;
    if (n.is_exact() && !n.is_decimal() && n.den() != 1) return 3 + sign;
    return 1 + sign;
}

// Tokens of f as a factor or a base: a sum in brackets.
std::size_t wrapped(Expr f, std::size_t& budget) {
    const std::size_t t = tokens(f, budget);
    return f.is(Op::Add) || (f.is_number() && f.number().is_negative()) ? t + 2 : t;
}

} // namespace

std::size_t tokens(Expr e, std::size_t& budget) {
    if (budget == 0) return 0;
    --budget;
    switch (e.op()) {
    case Op::Num:
        return number_tokens(e.number());
    case Op::Add: {
        std::size_t n = 0;
        for (std::size_t i = 0; i < e.size(); ++i) n += tokens(e[i], budget) + (i > 0 && !negative_term(e[i]) ? 1 : 0);
        return n;
    }
    case Op::Mul: {
        std::size_t top = 0, tops = 0, bottom = 0, bottoms = 0;
        for (std::size_t i = 0; i < e.size(); ++i) {
            Expr f = e[i];
            if (i == 0 && f.is_number()) {
                const Number& k = f.number();
                if (k.is_integer() && (k.num() == 1 || k.num() == -1)) {
                    top += k.num() == -1 ? 1 : 0;
                } else if (k.is_exact() && !k.is_decimal() && k.den() != 1) {
                    top += k.is_negative() ? 1 : 0;
                    if (std::abs(k.num()) != 1) {
                        ++top;
                        ++tops;
                    }
                    ++bottom;
                    ++bottoms;
                } else {
                    top += number_tokens(k);
                    ++tops;
                }
                continue;
            }
            if (f.is(Op::Pow) && f[1].is_number() && f[1].number().is_negative()) {
                // In the denominator as b, b^k or sqrt(b).
                const Number k = -f[1].number();
                if (k.is_integer() && k.num() == 1) bottom += wrapped(f[0], budget);
                else if (k.is_exact() && k.num() == 1 && k.den() == 2) bottom += 3 + tokens(f[0], budget);
                else bottom += wrapped(f[0], budget) + 1 + (k.is_integer() ? 1 : 5);
                ++bottoms;
                continue;
            }
            top += wrapped(f, budget);
            ++tops;
        }
        std::size_t n = top + (tops > 1 ? tops - 1 : 0) + (tops == 0 ? 1 : 0);
        if (bottoms > 0) n += 1 + bottom + (bottoms - 1) + (bottoms > 1 ? 2 : 0);
        return n;
    }
    case Op::Pow: {
        Expr b = e[0], x = e[1];
        if (x.is_number() && x.number().is_exact() && x.number().den() == 2 && x.number().num() == 1)
            return 3 + tokens(b, budget); // sqrt(b)
        if (x.is_number() && x.number().is_negative() && x.number().is_exact()) {
            // 1/b, 1/sqrt(b), 1/b^k
            const Number k = -x.number();
            if (k.is_integer() && k.num() == 1) return 2 + wrapped(b, budget);
            if (k.num() == 1 && k.den() == 2) return 5 + tokens(b, budget);
            return 2 + wrapped(b, budget) + (b.is(Op::Mul) || b.is(Op::Pow) ? 2 : 0) + 1 + (k.is_integer() ? 1 : 5);
        }
        std::size_t n = wrapped(b, budget) + (b.is(Op::Mul) || b.is(Op::Pow) ? 2 : 0) + 1;
        if (x.is_number() && x.number().is_negative())
            return 2 + n + tokens(x, budget) + 2; // 1/b^k, roughly
        const bool atom = x.is_number() ? number_tokens(x.number()) == 1 : x.size() == 0;
        return n + tokens(x, budget) + (atom ? 0 : 2);
    }
    default: {
        if (e.size() == 0) return 1;
        std::size_t n = 3 + (e.size() - 1);
        for (std::size_t i = 0; i < e.size(); ++i) n += tokens(e[i], budget);
        return n;
    }
    }
}

std::size_t printed_tokens(Expr e) {
    std::size_t budget = 400;
    const std::size_t n = tokens(e, budget);
    return budget == 0 ? std::numeric_limits<std::size_t>::max() : n;
}


bool small_tree(Expr e, std::size_t& budget) {
    if (budget == 0) return false;
    --budget;
    for (std::size_t i = 0; i < e.size(); ++i)
        if (!small_tree(e[i], budget)) return false;
    return true;
}

} // namespace symdiff::detail
