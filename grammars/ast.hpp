/// \file The syntax tree of the expression language, as the grammar (expr_def.hpp) builds it.
///
/// Positions: every token keeps the slice of the input it was read from (`text`), so its byte
/// offset is `text.data() - input.data()`. Lowering reports every semantic error (unknown
/// function, arity, number range) at a token, so tokens are the only nodes that need one and
/// no side table of positions is kept.
///
/// Chains that users can make arbitrarily long (`x^x^…`, `- - - x`, `a*b*…`, `a+b+…`) are
/// lists here and are folded iteratively by lowering; only brackets and calls nest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <boost/optional.hpp>
#include <boost/spirit/home/x3/support/ast/variant.hpp>

#include "charset.hpp"
#include "ir/pages.hpp"

namespace symdiff::ast {

namespace x3 = boost::spirit::x3;

/// The memory of the syntax trees built on this thread while an Arena lives: small blocks
/// (tree nodes behind `forward_ast`, short operator chains) are cut from large chunks, and the
/// chunks go when the Arena does. A parse of a large input builds hundreds of thousands of
/// such blocks, and allocating and freeing each from the heap cost about as much as reading
/// the text. A freed block goes on a list of its size and is the next block of that size
/// handed out: X3 grows vectors by doubling and drops the attributes of alternatives that
/// fail, and without reuse the 1 MiB parse bench cut 43 MB from chunks for a 1 MiB input.
/// Blocks above kSmall come from detail::allocate_block (ir/pages.hpp): the heap, or huge
/// pages for the largest.
///
/// Rule: a tree must be destroyed before the Arena that was current when it was built, and
/// on the same thread (parse.cpp declares the Arena before the tree). A block's owner is told
/// apart by its size and by whether an Arena is current, so a tree built outside any Arena
/// uses the heap throughout and is equally fine.
class Arena {
public:
    static constexpr std::size_t kSmall = 2048;

    Arena() : outer_(current()) { current() = this; }
    ~Arena() { current() = outer_; }
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    static void* allocate(std::size_t n) {
        Arena* a = current();
        if (!a || n > kSmall) return large(n);
        n = rounded(n);
        if (Free*& head = a->free_[n / kAlign]) {
            Free* p = head;
            head = p->next;
            return p;
        }
        if (a->left_ < n) a->grow();
        void* p = a->next_;
        a->next_ += n;
        a->left_ -= n;
        return p;
    }
    static void deallocate(void* p, std::size_t n) noexcept {
        Arena* a = current();
        if (!a || n > kSmall) return release_large(p, n);
        // A block of an outer Arena freed while an inner one is current joins the inner list
        // and is forgotten with it: still never freed twice, as the rule above requires.
        n = rounded(n);
        Free* f = static_cast<Free*>(p);
        f->next = a->free_[n / kAlign];
        a->free_[n / kAlign] = f;
    }

private:
    static constexpr std::size_t kAlign = alignof(std::max_align_t);
    static constexpr std::size_t kChunk = std::size_t{1} << 16;
    struct Free {
        Free* next;
    };
    // Every block holds at least a Free: sizes are multiples of kAlign from kAlign up.
    static constexpr std::size_t rounded(std::size_t n) {
        return n <= kAlign ? kAlign : (n + kAlign - 1) & ~(kAlign - 1);
    }
    static Arena*& current() {
        static thread_local Arena* arena = nullptr;
        return arena;
    }
    // The operator chains of a very long sum or product (77k terms in the 1 MiB bench) grow
    // by doubling into megabytes: in huge pages, each step faults a few times, not hundreds.
    static void* large(std::size_t n) { return detail::allocate_block(n); }
    static void release_large(void* p, std::size_t n) noexcept { detail::free_block(p, n); }
    void grow() {
        next_ = static_cast<char*>(pages_.take(kChunk));
        left_ = kChunk;
    }
    Arena* outer_;
    Free* free_[kSmall / kAlign + 1] = {};
    // 512 KB from the heap, which a small parse finds warm; past it a tree is large and its
    // chunks are cut from huge pages.
    detail::PageStack pages_{std::size_t{512} << 10};
    char* next_ = nullptr;
    std::size_t left_ = 0;
};

/// std::allocator through the current Arena.
template <typename T>
struct ArenaAllocator {
    using value_type = T;
    ArenaAllocator() = default;
    template <typename U>
    ArenaAllocator(const ArenaAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(Arena::allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { Arena::deallocate(p, n * sizeof(T)); }
    template <typename U>
    bool operator==(const ArenaAllocator<U>&) const noexcept {
        return true;
    }
};

/// A chain or list of the tree.
template <typename T>
using Seq = std::vector<T, ArenaAllocator<T>>;

/// Tree nodes that `forward_ast` puts on the heap come from the current Arena.
#define SYMDIFF_AST_IN_ARENA                                                                        \
    static void* operator new(std::size_t n) { return Arena::allocate(n); }                         \
    static void operator delete(void* p, std::size_t n) noexcept { Arena::deallocate(p, n); }

/// A numeric literal as written: `3`, `2.5`, `.5`, `1e-3`.
struct Number {
    std::string_view text;
};

/// A name: a variable, a constant (`pi`, `π`, `e`, `inf`, `nan`) or a function name.
struct Name {
    std::string_view text;
};

/// A superscript exponent such as `²`, `⁻¹`, `¹⁰` or `ˣ`. Only the slice is kept (every
/// operand has room for one, and most have none); `value()` reads it in ASCII.
struct Superscript {
    std::string_view text;
    /// "2", "-1", "10", "x": the ASCII reading of `text`, which the grammar has checked.
    std::string value() const {
        std::string v;
        for (std::size_t i = 0; i < text.size();) {
            charset::CodePoint cp = charset::decode(text, i);
            v += charset::superscript_value(cp.value);
            i += cp.length;
        }
        return v;
    }
};

/// A run of unary signs (`-`, `+`, `−`, blanks between them): how many, and how many of them
/// are minus. Only the parity of `minus` matters, but the count tells "no signs" apart.
struct Signs {
    std::uint32_t count = 0;
    std::uint32_t minus = 0;
    bool empty() const { return count == 0; }
};

/// A run of radical signs `√√`; `count` of them apply to the operand that follows.
struct Radicals {
    std::string_view text;
    unsigned count = 0;
};

/// A fixed token kept for its position: a bracket, `=` or `..`.
struct Punct {
    std::string_view text;
};

struct Expression;
struct Call;
struct Indexed;
struct List;
struct Root;

/// An operand of an operator: a literal, a name, a call, `x[k]`, `( expression )`, `[ list ]`
/// or `√ …`.
struct Primary : x3::variant<Number, Name, x3::forward_ast<Call>, x3::forward_ast<Indexed>, x3::forward_ast<Expression>,
                             x3::forward_ast<List>, x3::forward_ast<Root>> {
    using base_type::base_type;
    using base_type::operator=;
};

/// primary [superscript]
struct Postfix {
    Primary primary;
    boost::optional<Superscript> sup;
};

/// radicals postfix: `√x²` is the square root of x².
struct Root {
    SYMDIFF_AST_IN_ARENA
    Radicals radicals;
    Postfix operand;
};

/// One `^ signs operand` of a power chain; `signs` holds '+' and '-' (`x^-2`).
struct PowTail {
    Signs signs;
    Postfix operand;
};

/// base (^ tail)*: right-associative, folded from the right.
struct Power {
    Postfix base;
    Seq<PowTail> tail;
};

/// Unary signs applied to a power: `-x^2` is -(x^2).
struct Signed {
    Signs signs;
    Power power;
};

/// One `* operand`, `/ operand`, or an implicit product (op ' ').
struct MulTail {
    char op = '*';
    Signed operand;
};

struct Term {
    Signed first;
    Seq<MulTail> rest;
};

/// One `+ term` or `- term`.
struct AddTail {
    char op = '+';
    Term operand;
};

struct Expression {
    SYMDIFF_AST_IN_ARENA
    Term first;
    Seq<AddTail> rest;
};

/// `= lo..hi` after the index of `sum(i = lo..hi, body)`. The bounds are behind pointers so
/// that the optional range of every call argument costs 64 bytes, not 400 (the arguments of
/// the 1 MiB parse bench took 21 MB).
struct Range {
    Punct eq;
    x3::forward_ast<Expression> lo;
    Punct dots;
    x3::forward_ast<Expression> hi;
};

/// One argument of a call. Any argument may carry a range so that a misplaced one
/// (`sin(x = 1..2)`, `sum(x, i = 1..n)`) is reported by lowering, at the name that takes it.
struct Argument {
    Expression value;
    boost::optional<Range> range;
};

/// name [superscript] ( args ): a function call, or an implicit product when `name` is a
/// variable (`x(x+1)`); lowering decides.
struct Call {
    SYMDIFF_AST_IN_ARENA
    Name name;
    boost::optional<Superscript> sup;
    Punct open;
    Seq<Argument> args;
    Punct close;
};

/// name [ index ]: element `index` of the vector `name`.
struct Indexed {
    SYMDIFF_AST_IN_ARENA
    Name name;
    Punct open;
    Expression index;
    Punct close;
};

/// `[e1, e2, …]`.
struct List {
    SYMDIFF_AST_IN_ARENA
    Punct open;
    Seq<Expression> items;
};

} // namespace symdiff::ast
