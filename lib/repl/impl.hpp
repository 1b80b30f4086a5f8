// The REPL's state, shared by the files of lib/repl: session.cpp runs statements (definitions,
// operations, expressions) and prints values; commands.cpp holds the statements that run a
// stage of their own (steps, check, plot, minimize) and the :commands.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "repl/scan.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/repl.hpp"

namespace symdiff {
namespace repl {

constexpr std::size_t kMaxLoadDepth = 8;

// ANSI styles, applied only when the session is coloured.
struct Style {
    bool on;
    std::string wrap(std::string_view code, std::string_view s) const {
        if (!on || s.empty()) return std::string(s);
        return fmt::format("\x1b[{}m{}\x1b[0m", code, s);
    }
    std::string name(std::string_view s) const { return wrap("1", s); }
    std::string error(std::string_view s) const { return wrap("1;31", s); }
    std::string note(std::string_view s) const { return wrap("1;36", s); }
    std::string caret(std::string_view s) const { return wrap("1;32", s); }
};

// What a statement evaluates to: an expression (scalar, list, or list of rows) and the
// variables it is a function of, in order, for `(...)` and `at (...)`.
struct Result {
    Expr expr;
    std::vector<Expr> params;
    /// A Hessian: the function and variables it is of, so that at a point the REPL can
    /// classify it as `hessian --at` does (second_derivative_test).
    Expr hessian_of = {};
    std::vector<Expr> hessian_vars = {};
    /// Lines printed after the value: the eigenvalues and the kind of point.
    std::string note = {};
};

struct Definition {
    std::string name;
    std::vector<Expr> params;
    Expr body;
};

inline bool is_matrix(Expr e) {
    if (!e.is(Op::List) || e.size() == 0) return false;
    for (std::size_t i = 0; i < e.size(); ++i)
        if (!e[i].is(Op::List)) return false;
    return true;
}

inline std::string join_names(std::span<const Expr> vars) {
    std::string s;
    for (Expr v : vars) s += (s.empty() ? "" : ", ") + v.name();
    return s;
}

inline std::string plural(std::size_t n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// Diagnostics of a statement are positioned in its text; this one, thrown anywhere below,
// is caught by Repl::run.
[[noreturn]] inline void fail(std::string_view text, Span at, std::string message) {
    std::size_t length = std::max<std::size_t>(1, std::min<std::size_t>(at.size(), 60));
    throw Error(make_diagnostic(std::move(message), text, at.begin, length));
}

} // namespace repl

using repl::Definition;
using repl::Style;
using repl::Result;
using repl::Scanner;
using repl::Span;

struct Repl::Impl {
    ReplOptions options;
    Style style;
    Context ctx;
    Format format = Format::Text;
    std::vector<Definition> defs;
    std::unordered_map<std::string, std::size_t> index;
    // The definitions again, as the parser expands them inside expressions.
    ParseOptions parse_options;
    std::size_t load_depth = 0;
    // Notes of the parser on the statement being run (names read as products of their
    // letters), printed after its result; `noted` keeps one per name per statement.
    std::string notes;
    std::vector<std::string> noted;

    // The statement being run (owned by run()'s frame), so that helpers can position their
    // errors. :load runs statements within a statement; each run() restores the outer one.
    std::string_view text;
    const Scanner* sc = nullptr;

    explicit Impl(ReplOptions o) : options(std::move(o)), style{options.color} {}

    // ---------------------------------------------------------------- entry

    ReplReply run(std::string_view input);

    std::string render_message(std::string_view message) const;

    std::string render(const Diagnostic& d) const;

    [[noreturn]] void fail_at(Span at, std::string message) const { fail(text, at, std::move(message)); }

    // ---------------------------------------------------------------- statements

    void statement(ReplReply& reply);

    void definition(Span all, std::size_t eq, ReplReply& reply);

    void define(Definition d);

    void check_definable(Span at, std::string_view what) const;

    // Parameters hide definitions of the same name while the right side of a definition is
    // read, so that `f(a) = a^2` means the variable a even when `a = 3` is defined.
    struct Shadow {
        using Node = decltype(ParseOptions::functions)::node_type;
        Impl& self;
        std::vector<std::pair<std::string, std::size_t>> hidden;
        std::vector<Node> hidden_functions;
        std::size_t declared_before;
        Shadow(Impl& s, std::span<const Expr> params) : self(s), declared_before(s.parse_options.variables.size()) {
            // A parameter is one variable, however long: `f(wx, b) = wx + b` has no w*x.
            for (Expr p : params) self.parse_options.variables.push_back(p.name());
            for (Expr p : params)
                if (auto it = self.index.find(p.name()); it != self.index.end()) {
                    hidden.emplace_back(it->first, it->second);
                    self.index.erase(it);
                    hidden_functions.push_back(self.parse_options.functions.extract(p.name()));
                }
        }
        ~Shadow() {
            self.parse_options.variables.resize(declared_before);
            for (auto& [name, i] : hidden) self.index.emplace(name, i);
            for (Node& n : hidden_functions) self.parse_options.functions.insert(std::move(n));
        }
    };

    // ---------------------------------------------------------------- queries

    Result query(Span all);

    Result value(Span all);

    static bool has_list_inside(Expr e);

    const Definition* defined(Span all) const;

    static std::vector<Expr> ordered_free_variables(const Parsed& p);

    Result target(Span at);

    std::vector<Expr> variables_of(std::span<const Span> args, const Result& t, std::string_view op);

    Result operation(std::string_view op, Span head, std::vector<Span> args);

    Expr matrix(const std::vector<std::vector<Expr>>& rows);

    Result derivative(const Result& t, Span target_span, std::span<const Span> rest);

    Result apply_point(const Result& r, Span point, std::string_view what);

    std::string point_test(const Result& r, std::span<const std::pair<Expr, Expr>> subst, Expr values);

    Parsed point_value(Span at);

    std::vector<double> numeric_point(const Result& r, Span point, std::string_view what);

    Parsed parse_span(Span at);

    static std::string statement_hint(const std::string& message);

    // ---------------------------------------------------------------- printing

    std::string signature(const Definition& d) const;

    std::string body_text(Expr e) const;

    double value_of(Expr e) const;

    static bool has_index_sum(Expr e);

    std::string constant_value(const Definition& d) const;

    std::string value_text(Expr e) const;

    std::string show(const Result& r) const;

    // ---------------------------------------------------------------- printing statements

    void steps(Span all, Span head, ReplReply& reply);

    std::string derivation(Span rest);

    void check(Span all, Span head, ReplReply& reply);

    void plot(Span all, Span head, ReplReply& reply);

    void minimize(Span all, Span head, ReplReply& reply);

    double constant(Span at);

    // ---------------------------------------------------------------- commands

    static constexpr std::string_view kReplFormats[] = {"text", "unicode", "latex"};

    void command(Span all, ReplReply& reply);

    static std::string expand_home(const std::string& path);

    void save(const std::string& path, Span arg, ReplReply& reply);

    void load(const std::string& path, Span arg, ReplReply& reply);
};

} // namespace symdiff
