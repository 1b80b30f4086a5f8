// The display form shared by the infix printers: the canonical DAG re-sugared into sums with
// signed terms, quotients, square roots and roots in a human order, before any format chooses
// its tokens. Internal to lib/print.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff::detail {

/// What a display node shows. Negative constants never appear in Num: they are a Neg of the
/// magnitude, so that every format places its own minus sign.
enum class DocKind : std::uint8_t {
    Sym,      ///< a variable
    Num,      ///< a non-negative constant (or nan)
    Pi,       ///< the constant pi
    E,        ///< exp(1), Euler's number
    Call,     ///< a built-in function of its children
    Sum,      ///< terms joined by + or -, as each child's `minus` says
    Neg,      ///< unary minus of the single child
    Product,  ///< factors, a numeric coefficient first when there is one
    Quotient, ///< numerator / denominator
    Power,    ///< base ^ exponent
    Sqrt,     ///< square root of the single child
    List,     ///< [items]
    Index,    ///< x[k]: the vector's name (a Sym) and the index
    Loop,     ///< op Sum, Guard, Vec (index, lo, hi, body), or RowSum, RowMean (body)
};

struct Doc {
    DocKind kind;
    Op op = Op::Num;                   ///< the function of a Call, the kind of a Loop
    std::uint32_t first = 0;           ///< children: kids[first, first + n)
    std::uint32_t n = 0;
    Number num;                        ///< the constant of a Num
    const std::string* name = nullptr; ///< the name of a Sym
};

struct DocKid {
    std::uint32_t doc;
    bool minus; ///< in a Sum: this term is subtracted
};

/// The display tree of one expression. Built in one pass over the topological order (never
/// recursive), with one Doc per node plus the few synthetic ones the re-sugaring needs, so a
/// shared subexpression has one Doc however often it is printed.
struct Layout {
    std::vector<Doc> docs;
    std::vector<DocKid> kids;
    std::uint32_t root = 0;

    const Doc& operator[](std::uint32_t i) const { return docs[i]; }
    const DocKid& kid(const Doc& d, std::uint32_t i) const { return kids[d.first + i]; }
};

/// Builds the display tree of e. With split_rationals, a coefficient p/q spelt as a fraction
/// (not a decimal: number.hpp) becomes p in the numerator and q in the denominator (`2*x/3`); without
/// it (the C format) it stays one constant.
Layout make_layout(Expr e, bool split_rationals);

/// Throws symdiff::Error when e is too deep or, printed as a tree, too large to print.
void check_printable(Expr e);
/// Throws symdiff::Error when a printed form has passed the size limit.
void check_size(const std::string& out);
/// The JSON form of e (stored.cpp); check_printable first.
std::string to_json(Expr e);

} // namespace symdiff::detail
