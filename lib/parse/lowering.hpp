// The lowering of a parse tree to the DAG, shared by the files of lib/parse: lower.cpp lowers
// the tree's structure (operators, calls, reductions, user functions), names.cpp reads names
// (a variable, a constant, a product of letters, a vector) and numbers.
#pragma once

#include <cctype>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "ast.hpp"
#include "charset.hpp"
#include "parse/builtins.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"

namespace symdiff::detail::lowering {

// Operand lists of one node are short: kept off the heap (a large input has hundreds of
// thousands of them).
using Exprs = boost::container::small_vector<Expr, 8>;
using Parts = boost::container::small_vector<std::string_view, 8>;
inline std::span<const Expr> view(const Exprs& v) { return {v.data(), v.size()}; }

// The blanks of the grammar (config.hpp), which positions skip over.
inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline bool is_sigma(std::string_view name) { return name == "\xCF\x83"; }

inline std::size_t code_point_count(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); i += charset::utf8_length(static_cast<unsigned char>(s[i]))) ++n;
    return n;
}

inline std::string plural(std::size_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

inline std::string arity_text(const FnSpec& spec) {
    if (spec.max_args == kAny) return "at least " + plural(spec.min_args, "argument");
    if (spec.min_args == spec.max_args) return plural(spec.min_args, "argument");
    return std::to_string(spec.min_args) + " or " + plural(spec.max_args, "argument");
}

// Whether the index k is `i + c` for the sum index i and an integer c (`i` itself is c = 0):
// the only form whose extreme values the evaluators know before a loop runs.
inline bool is_shift(Expr k, Expr i) {
    if (k == i) return true;
    return k.is(Op::Add) && k.size() == 2 && k[0].is_number() && k[0].number().is_integer() && k[1] == i;
}

constexpr const char* kIndexForm = "an index must be i + c for a sum index i and an integer c, or free of sum indices";
constexpr const char* kNested = "sums and means cannot be nested";

// The name when e is nothing but a name: the index of a sum and the argument of len.
inline const ast::Name* plain_name(const ast::Expression& e) {
    const ast::Term& t = e.first;
    if (!e.rest.empty() || !t.rest.empty() || !t.first.signs.empty()) return nullptr;
    const ast::Power& p = t.first.power;
    if (!p.tail.empty() || p.base.sup) return nullptr;
    return boost::get<ast::Name>(&p.base.primary.get());
}

class Lowering {
public:
    Lowering(Context& ctx, std::string_view input, const ParseOptions& options)
        : ctx_(ctx), input_(input), declared_(options.variables.begin(), options.variables.end()),
          user_(options.functions) {}
    // declared_ views the strings of options.variables, which outlive the lowering.

    Parsed run(const ast::Expression& tree);

private:
    void find_indexed_names();

    static std::string_view superscript_letter(const ast::Superscript& s);
    // --- lowering.

    Expr expression(const ast::Expression& e, bool list_allowed = false);

    static const ast::List* bare_list(const ast::Expression& e);

    Expr list(const ast::List& l);

    Expr term(const ast::Term& t);

    Expr apply_signs(ast::Signs signs, Expr v) { return signs.minus % 2 ? ctx_.neg(v) : v; }

    Expr signed_operand(const ast::Signed& s) { return apply_signs(s.signs, power(s.power)); }

    Expr power(const ast::Power& p);

    Expr exponent_chain(const std::vector<ast::PowTail>& tail);

    Parts juxtaposed(const ast::Primary& p) const;

    Expr letter(std::string_view part, std::string_view token);

    Expr postfix(const ast::Postfix& p);

    Expr primary(const ast::Primary& p);

    Expr number(std::string_view text);

    static std::optional<Number> short_decimal(std::string_view text);

    Expr superscript(const ast::Superscript& s);

    Expr name(const ast::Name& n);

    Expr resolve(std::string_view text, std::string_view token);

    Parts split(std::string_view text) const;

    bool letters_declared(std::string_view text) const;

    static std::string_view function_prefix(std::string_view text);
    static bool starts_with_function(std::string_view text);

    void note_function_prefix(std::string_view text, std::string_view token);

    static bool is_greek_name(std::string_view text);

    void note_split(std::string_view text, const Parts& parts, std::string_view token);

    bool resolves_as_value(std::string_view text) const;

    // --- vectors and reductions

    // Where the lowering is: a reduction may not contain another, a bare name inside a row
    // reduction may be a data column, and the index of a sum is bound in its body only.
    struct Scope {
        bool reduction = false; ///< inside the bounds or the body of a sum or mean
        bool rows = false;      ///< inside sum(body) or mean(body)
        Expr index;             ///< the index of the sum whose body this is
        std::string what;       ///< "sum" or "mean", for messages
    };

    bool is_index(std::string_view text) const { return !scope_.index.is_null() && scope_.index.name() == text; }

    Expr scalar(std::string_view text, std::string_view token);

    Expr vector(std::string_view text, std::string_view where, bool indexed);

    void note_bare(Expr s, std::string_view token);
    void note_vector(Expr s, std::string_view token, bool indexed);
    struct VectorUse {
        std::string_view token;
        bool indexed;
    };
    [[noreturn]] void not_a_number(Expr s, std::string_view bare, const VectorUse& v);

    Expr indexed(const ast::Indexed& x);

    Expr length(const ast::Call& c);

    Expr reduction(const ast::Call& c, bool mean);

    Expr index_name(const ast::Call& c, const std::string& fn);

    Expr bound(const ast::Expression& e, std::string_view at);

    void expansion(Expr v, std::string_view token);

    std::string unknown_function(std::string_view fn) const;

    // --- user definitions (ParseOptions::functions)

    const UserFunction* user(std::string_view name) const;

    Expr user_value(const UserFunction& u, std::string_view token);

    void check_capture(const UserFunction& u, std::string_view token);

    Expr user_call(const ast::Call& c, const UserFunction& u);

    Expr variable(std::string_view text);

    Expr call(const ast::Call& c);

    void check_function_superscript(const ast::Call& c);

    Expr product_call(const ast::Call& c);

    const ast::Call* product_call_of(const ast::Primary& p) const;

    Expr product_head(const ast::Call& c);

    // --- positions

    std::size_t offset(std::string_view token) const { return static_cast<std::size_t>(token.data() - input_.data()); }

    std::string_view between(const char* first, const char* last) const;

    std::string_view after(const ast::Punct& p) const;

    [[noreturn]] void fail(std::string_view token, std::string message);

    Context& ctx_;
    std::string_view input_;
    std::unordered_set<std::string_view> declared_;
    std::vector<Note> notes_;
    std::unordered_set<std::string_view> indexed_names_;
    std::vector<Expr> variables_;
    std::vector<Expr> vectors_;
    std::unordered_set<NodeId> seen_;
    std::unordered_map<std::string_view, Expr> by_name_; // keys view the Context's names
    Scope scope_;
    std::unordered_map<NodeId, VectorUse> vector_use_;
    std::unordered_map<NodeId, std::string_view> bare_use_;
    const std::unordered_map<std::string, UserFunction>& user_;
};

} // namespace symdiff::detail::lowering
