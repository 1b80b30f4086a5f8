// The REPL session: statements (definitions, operations, expressions) and :commands over one
// Context. The statement level is scanned here; every expression goes to the parser with the
// session's definitions, and every error is repositioned into the line the user typed.
#include "symdiff/repl.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "data/lines.hpp"
#include "repl/help.hpp"
#include "repl/scan.hpp"
#include "symdiff/dag.hpp"
#include "symdiff/data.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/gradient_check.hpp"
#include "symdiff/optimize.hpp"
#include "symdiff/point_test.hpp"
#include "symdiff/output.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/plot.hpp"
#include "symdiff/simplify.hpp"
#if __has_include("symdiff/steps.hpp")
#include "symdiff/steps.hpp"
#include "symdiff/suggest.hpp"
#define SYMDIFF_REPL_HAS_STEPS 1
#endif

namespace symdiff {
namespace {

using repl::Scanner;
using repl::Span;

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
    Expr hessian_of;
    std::vector<Expr> hessian_vars;
    /// Lines printed after the value: the eigenvalues and the kind of point.
    std::string note;
};

struct Definition {
    std::string name;
    std::vector<Expr> params;
    Expr body;
};

bool is_matrix(Expr e) {
    if (!e.is(Op::List) || e.size() == 0) return false;
    for (std::size_t i = 0; i < e.size(); ++i)
        if (!e[i].is(Op::List)) return false;
    return true;
}

std::string join_names(std::span<const Expr> vars) {
    std::string s;
    for (Expr v : vars) s += (s.empty() ? "" : ", ") + v.name();
    return s;
}

std::string plural(std::size_t n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// Diagnostics of a statement are positioned in its text; this one, thrown anywhere below,
// is caught by Repl::run.
[[noreturn]] void fail(std::string_view text, Span at, std::string message) {
    std::size_t length = std::max<std::size_t>(1, std::min<std::size_t>(at.size(), 60));
    throw Error(make_diagnostic(std::move(message), text, at.begin, length));
}

} // namespace

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

    ReplReply run(std::string_view input) {
        ReplReply reply;
        const std::string own = repl::strip_comments(input);
        Scanner scanner(own);
        const std::string_view outer_text = text;
        const Scanner* outer_sc = sc;
        text = own;
        sc = &scanner;
        std::string outer_notes = std::move(notes);
        std::vector<std::string> outer_noted = std::move(noted);
        notes.clear();
        noted.clear();
        try {
            statement(reply);
        } catch (const Error& e) {
            reply.errors += render(e.diagnostic());
        } catch (const std::bad_alloc&) {
            reply.errors += render_message("out of memory (the input or its result is too large)");
        } catch (const std::exception& e) {
            reply.errors += render_message(e.what());
        }
        reply.output += notes;
        notes = std::move(outer_notes);
        noted = std::move(outer_noted);
        text = outer_text;
        sc = outer_sc;
        return reply;
    }

    std::string render_message(std::string_view message) const {
        return style.error("error:") + " " + std::string(message) + "\n";
    }

    std::string render(const Diagnostic& d) const {
        std::string out = render_message(d.message);
        if (!d.has_position()) return out;
        out += "  " + d.source_line + "\n";
        std::string caret = "^" + std::string(d.length > 1 ? d.length - 1 : 0, '~');
        out += "  " + std::string(d.caret_column - 1, ' ') + style.caret(caret) + "\n";
        return out;
    }

    [[noreturn]] void fail_at(Span at, std::string message) const { fail(text, at, std::move(message)); }

    // ---------------------------------------------------------------- statements

    void statement(ReplReply& reply) {
        const Scanner& s = *sc;
        Span all = s.trim({0, text.size()});
        if (all.empty()) return;
        if (text[all.begin] == ':') return command(all, reply);
        Span head = s.name_at(all.begin);
        std::string_view word = s.view(head);
        if (word == "steps") return steps(all, head, reply);
        if (word == "check") return check(all, head, reply);
        if (word == "minimize") return minimize(all, head, reply);
        if (word == "plot") return plot(all, head, reply);
        // An '=' after `at` names a value (`f at x=1, y=2`); before it, it defines.
        auto eq = s.top_level_equals(all);
        auto at = s.find_keyword(all, "at");
        if (eq && !(at && at->begin < *eq)) return definition(all, *eq, reply);
        reply.output += show(query(all));
    }

    // name(params) = rhs   or   name = rhs
    void definition(Span all, std::size_t eq, ReplReply& reply) {
        const Scanner& s = *sc;
        Span lhs = s.trim({all.begin, eq});
        Span rhs = s.trim({eq + 1, all.end});
        const std::string usage = "the left side of '=' must be a name or a name with parameters, as in "
                                  "f(x, y) = x*y or a = 3";
        if (lhs.empty()) fail_at({eq, eq + 1}, usage);
        Span name_span = s.name_at(lhs.begin);
        if (name_span.empty()) fail_at(lhs, usage);
        std::string name(s.view(name_span));
        check_definable(name_span, "define");

        std::vector<Expr> params;
        bool explicit_params = false;
        Span after = s.trim({name_span.end, lhs.end});
        if (!after.empty()) {
            std::size_t close = text[after.begin] == '(' ? s.closing(after.begin) : std::string_view::npos;
            if (close == std::string_view::npos || close + 1 != lhs.end) fail_at(after, usage);
            explicit_params = true;
            Span inside = s.trim({after.begin + 1, close});
            if (!inside.empty()) {
                for (Span p : s.split_commas(inside)) {
                    p = s.trim(p);
                    if (!s.is_name(p)) fail_at(p.empty() ? Span{p.begin, p.begin + 1} : p, "a parameter must be a name");
                    std::string pname(s.view(p));
                    if (pname == name) fail_at(p, "parameter '" + pname + "' has the name of the function");
                    check_definable(p, "use as a parameter");
                    Expr sym = ctx.symbol(pname);
                    if (std::find(params.begin(), params.end(), sym) != params.end())
                        fail_at(p, "parameter '" + pname + "' appears twice");
                    params.push_back(sym);
                }
            }
        }
        if (rhs.empty()) fail_at({eq, eq + 1}, "nothing after '=': write the definition, as in " + name + " = x^2");
        if (auto self = s.find_name(rhs, name); !self.empty())
            fail_at({self[0], self[0] + name.size()},
                    "'" + name + "' is used in its own definition: recursive definitions are not supported "
                    "(to build on the old " + name + ", give the new definition another name)");

        Result r;
        {
            Shadow shadow(*this, params);
            r = query(rhs);
        }
        std::string notes;
        if (explicit_params) {
            r.params = params;
            std::vector<std::string> strays;
            for (Expr v : free_symbols(r.expr))
                if (std::find(params.begin(), params.end(), v) == params.end()) strays.push_back(v.name());
            if (!strays.empty()) {
                std::string list;
                for (auto& v : strays) list += (list.empty() ? "'" : ", '") + v + "'";
                notes += style.note("note:") + " " + list +
                         (strays.size() == 1 ? " is not a parameter of " + name + " and not defined; it stays a free variable\n"
                                             : " are not parameters of " + name + " and not defined; they stay free variables\n");
            }
        }
        std::string previous;
        if (auto it = index.find(name); it != index.end()) previous = signature(defs[it->second]) + " = " +
                                                                      body_text(defs[it->second].body);
        define(Definition{name, r.params, r.expr});
        const Definition& d = defs[index.at(name)];
        reply.output += style.name(signature(d)) + " = " + body_text(d.body) + constant_value(d) + "\n";
        if (!previous.empty())
            reply.output += style.note("note:") + " redefined " + name + " (it was " + previous +
                            "); definitions made from the old " + name + " keep it\n";
        reply.output += notes;
    }

    void define(Definition d) {
        parse_options.functions[d.name] = UserFunction{d.params, d.body};
        if (auto it = index.find(d.name); it != index.end()) {
            defs[it->second] = std::move(d);
        } else {
            index.emplace(d.name, defs.size());
            defs.push_back(std::move(d));
        }
    }

    void check_definable(Span at, std::string_view what) const {
        std::string_view name = sc->view(at);
        if (repl::is_reserved(name))
            fail_at(at, fmt::format("cannot {} '{}': it is a built-in name (:help lists them)", what, name));
    }

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

    // A value statement: an operation (diff, grad, ...) or an expression, optionally
    // followed by `at POINT`.
    Result query(Span all) {
        const Scanner& s = *sc;
        Span head = s.name_at(all.begin);
        std::string_view word = s.view(head);
        if (word == "steps" || word == "check" || word == "minimize" || word == "plot")
            fail_at(head, "'" + std::string(word) + "' prints its result and cannot be used in a definition");
        if (auto at = s.find_keyword(all, "at")) {
            Result r = value(s.trim({all.begin, at->begin}));
            return apply_point(r, s.trim({at->end, all.end}), s.view(head));
        }
        return value(all);
    }

    Result value(Span all) {
        const Scanner& s = *sc;
        if (all.empty()) fail_at({all.begin, all.begin + 1}, "expected an expression");
        Span head = s.name_at(all.begin);
        std::string_view word = s.view(head);
        if (word == "diff" || word == "grad" || word == "hessian" || word == "jacobian") {
            Span after = s.trim({head.end, all.end});
            if (after.empty()) fail_at(head, std::string(word) + " needs a function, as in " + std::string(word) + "(f)");
            if (text[after.begin] == '(') {
                std::size_t close = s.closing(after.begin);
                if (close == std::string_view::npos || close >= all.end) fail_at({after.begin, after.begin + 1}, "this '(' is not closed");
                Result r = operation(word, head, s.split_commas({after.begin + 1, close}));
                Span rest = s.trim({close + 1, all.end});
                if (rest.empty()) return r;
                if (text[rest.begin] == '(' && s.closing(rest.begin) + 1 == rest.end)
                    return apply_point(r, rest, word);
                fail_at(rest, "unexpected text after " + std::string(word) + "(...): evaluate with (values) or at (values)");
            }
            return operation(word, head, s.split_commas(after));
        }
        if (auto d = defined(all)) return Result{d->body, d->params};
        Parsed p = parse_span(all);
        if (has_list_inside(p.expr))
            fail_at(all, "a list (such as the result of grad) cannot take part in arithmetic: evaluate it, "
                         "or define its items one by one");
        return Result{p.expr, ordered_free_variables(p)};
    }

    // True when a list appears below anything but a list: `g(1, 2) + 1` for a list-valued g
    // (the parser refuses a written `[1, 2] + 1` itself).
    static bool has_list_inside(Expr e) {
        return any_node(e, [](Expr n) {
            if (n.is(Op::List)) return false;
            for (std::size_t i = 0; i < n.size(); ++i)
                if (n[i].is(Op::List)) return true;
            return false;
        });
    }

    // The definition when `all` is exactly a defined name.
    const Definition* defined(Span all) const {
        if (!sc->is_name(all)) return nullptr;
        auto it = index.find(std::string(sc->view(sc->trim(all))));
        return it == index.end() ? nullptr : &defs[it->second];
    }

    // Free variables in the order the text shows them (then any others, such as those a
    // definition brought in).
    static std::vector<Expr> ordered_free_variables(const Parsed& p) {
        std::vector<Expr> free = free_symbols(p.expr);
        std::vector<Expr> out;
        for (Expr v : p.variables)
            if (std::find(free.begin(), free.end(), v) != free.end()) out.push_back(v);
        for (Expr v : free)
            if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
        return out;
    }

    // The function an operation works on: a defined name (with its parameters) or an
    // expression (with its free variables in order of appearance).
    Result target(Span at) {
        at = sc->trim(at);
        if (at.empty()) fail_at({at.begin, at.begin + 1}, "expected a function or an expression");
        if (auto d = defined(at)) return Result{d->body, d->params};
        if (sc->is_name(at) && !repl::is_reserved(sc->view(at)))
            fail_at(at, "'" + std::string(sc->view(at)) + "' is not defined (:vars lists the definitions)");
        return value(at);
    }

    std::vector<Expr> variables_of(std::span<const Span> args, const Result& t, std::string_view op) {
        std::vector<Expr> vars;
        for (Span a : args) {
            a = sc->trim(a);
            if (!sc->is_name(a))
                fail_at(a.empty() ? Span{a.begin, a.begin + 1} : a, std::string(op) + ": expected a variable name here");
            vars.push_back(ctx.symbol(sc->view(a)));
        }
        if (vars.empty()) vars = t.params;
        return vars;
    }

    Result operation(std::string_view op, Span head, std::vector<Span> args) {
        if (args.size() == 1 && sc->trim(args[0]).empty())
            fail_at(head, std::string(op) + " needs a function, as in " + std::string(op) + "(f)");
        Span target_span = sc->trim(args[0]);
        Result t = target(target_span);
        std::span<const Span> rest(args.data() + 1, args.size() - 1);
        try {
            if (op == "diff") return derivative(t, target_span, rest);
            std::vector<Expr> vars = variables_of(rest, t, op);
            if (vars.empty()) fail_at(target_span, "this has no variables to differentiate by");
            if (op == "grad") {
                if (t.expr.is(Op::List)) fail_at(target_span, "grad needs a scalar function; use jacobian for a list");
                std::vector<Expr> g = gradient(t.expr, vars);
                for (Expr& e : g) e = simplify(e);
                return Result{ctx.list(g), t.params};
            }
            if (op == "hessian") {
                if (t.expr.is(Op::List)) fail_at(target_span, "hessian needs a scalar function");
                return Result{matrix(hessian(t.expr, vars)), t.params, t.expr, vars, {}};
            }
            return Result{matrix(jacobian(t.expr, vars)), t.params};
        } catch (const Error& e) {
            if (e.diagnostic().has_position()) throw;
            fail_at(target_span, e.diagnostic().message);
        }
    }

    Expr matrix(const std::vector<std::vector<Expr>>& rows) {
        std::vector<Expr> items;
        for (const auto& row : rows) {
            std::vector<Expr> r;
            for (Expr e : row) r.push_back(simplify(e));
            items.push_back(ctx.list(r));
        }
        return ctx.list(items);
    }

    // diff(F), diff(F, x), diff(F, x, y) (successively), diff(F, x, 2) (second derivative).
    Result derivative(const Result& t, Span target_span, std::span<const Span> rest) {
        std::vector<Expr> order;
        for (Span a : rest) {
            a = sc->trim(a);
            std::string_view w = sc->view(a);
            if (!order.empty() && !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                int n = w.size() > 3 ? 1000 : std::stoi(std::string(w));
                if (n < 1 || n > 100) fail_at(a, "the order of a derivative must be between 1 and 100");
                for (int i = 1; i < n; ++i) order.push_back(order.back());
                continue;
            }
            if (!sc->is_name(a)) fail_at(a.empty() ? Span{a.begin, a.begin + 1} : a, "diff: expected a variable name (or an order after one) here");
            order.push_back(ctx.symbol(w));
        }
        if (order.empty()) {
            if (t.params.size() > 1)
                fail_at(target_span, "diff needs the variable: this is a function of " + join_names(t.params) +
                                         " (write diff(" + std::string(sc->view(target_span)) + ", " +
                                         t.params[0].name() + "))");
            if (t.params.empty()) return Result{ctx.integer(0), t.params};
            order.push_back(t.params[0]);
        }
        return Result{simplify(diff(t.expr, order)), t.params};
    }

    // r applied to the values of `point`: `(1, 2)` or `1, 2` by position, or `x=1, y=2` by
    // name. Values may be expressions; the result is a value when nothing is left free.
    Result apply_point(const Result& r, Span point, std::string_view what) {
        const Scanner& s = *sc;
        point = s.trim(point);
        if (point.empty()) fail_at({point.begin, point.begin + 1}, "expected a point, as in (1, 2)");
        Span inside = point;
        if (text[point.begin] == '(' && s.closing(point.begin) + 1 == point.end)
            inside = s.trim({point.begin + 1, point.end - 1});
        std::vector<Span> parts = inside.empty() ? std::vector<Span>{} : s.split_commas(inside);
        // The value given to each parameter, if any; parameters left out stay variables.
        std::vector<std::optional<Parsed>> given(r.params.size());
        bool named = !parts.empty() && s.top_level_equals(parts[0]).has_value();
        if (named) {
            for (Span p : parts) {
                auto eq = s.top_level_equals(p);
                Span lhs = s.trim({p.begin, eq ? *eq : p.begin});
                if (!eq || !s.is_name(lhs)) fail_at(s.trim(p), "give every value by name (x=1, y=2) or none");
                Expr v = ctx.symbol(s.view(lhs));
                auto i = static_cast<std::size_t>(std::find(r.params.begin(), r.params.end(), v) - r.params.begin());
                if (i == r.params.size())
                    fail_at(lhs, fmt::format("'{}' is not a variable of {} ({})", v.name(), what,
                                             r.params.empty() ? "it has none" : join_names(r.params)));
                if (given[i]) fail_at(lhs, "'" + v.name() + "' is given twice");
                given[i] = point_value(s.trim({*eq + 1, p.end}));
            }
        } else {
            if (parts.size() != r.params.size())
                fail_at(point, fmt::format("{} takes {} ({}), got {}", what, plural(r.params.size(), "value"),
                                           r.params.empty() ? "it has no variables" : join_names(r.params),
                                           parts.size()));
            for (std::size_t i = 0; i < parts.size(); ++i) given[i] = point_value(s.trim(parts[i]));
        }
        std::vector<std::pair<Expr, Expr>> subst;
        std::vector<Expr> params;
        auto add = [&](Expr v) {
            if (std::find(params.begin(), params.end(), v) == params.end()) params.push_back(v);
        };
        for (std::size_t i = 0; i < r.params.size(); ++i) {
            if (!given[i]) {
                add(r.params[i]);
                continue;
            }
            subst.emplace_back(r.params[i], given[i]->expr);
            for (Expr v : ordered_free_variables(*given[i])) add(v);
        }
        Result out{substitute(r.expr, subst), params};
        if (!r.hessian_of.is_null()) out.note = point_test(r, subst, out.expr);
        return out;
    }

    // A Hessian at a point of numbers: its eigenvalues and what the point is, in the words of
    // `hessian --at`; empty while a variable is left free or a value is not a number.
    std::string point_test(const Result& r, std::span<const std::pair<Expr, Expr>> subst, Expr values) {
        if (!free_symbols(values).empty()) return "";
        const std::size_t n = r.hessian_vars.size();
        Expr grad = substitute(ctx.list(gradient(r.hessian_of, r.hessian_vars)), subst);
        if (!free_symbols(grad).empty() || !values.is(Op::List) || values.size() != n) return "";
        std::vector<double> h, g;
        try {
            for (std::size_t i = 0; i < n; ++i) {
                if (!values[i].is(Op::List) || values[i].size() != n) return "";
                for (std::size_t j = 0; j < n; ++j) h.push_back(evaluate(values[i][j], {}));
                g.push_back(evaluate(grad[i], {}));
            }
        } catch (const Error&) {
            return "";
        }
        const PointTest t = second_derivative_test(h, n, g);
        std::string ev;
        for (double l : t.curvature.eigenvalues) ev += (ev.empty() ? "" : ", ") + format_double(l);
        return "eigenvalues: " + ev + "\npoint:       " + t.description + "\n";
    }

    Parsed point_value(Span at) {
        if (at.empty()) fail_at({at.begin, at.begin + 1}, "expected a value here");
        return parse_span(at);
    }

    // The numbers of a point whose every coordinate must be a constant.
    std::vector<double> numeric_point(const Result& r, Span point, std::string_view what) {
        Result at = apply_point(Result{ctx.list(r.params), r.params}, point, what);
        std::vector<Expr> missing, others;
        for (Expr v : at.params)
            (std::find(r.params.begin(), r.params.end(), v) != r.params.end() ? missing : others).push_back(v);
        if (!missing.empty()) fail_at(point, "the point gives no value to " + join_names(missing));
        if (!others.empty()) fail_at(point, "the point must be numbers, but it uses " + join_names(others));
        std::vector<double> x;
        for (std::size_t i = 0; i < at.expr.size(); ++i) x.push_back(value_of(at.expr[i]));
        return x;
    }

    Parsed parse_span(Span at) {
        at = sc->trim(at);
        std::string_view source = sc->view(at);
        try {
            Parsed p = parse(ctx, source, parse_options);
            for (const Note& n : p.notes) {
                if (std::find(noted.begin(), noted.end(), n.name) != noted.end()) continue;
                noted.push_back(n.name);
                notes += style.note("note:") + " " + n.diagnostic.message;
                if (n.is_product())
                    notes += " (to read it as one variable, make it a parameter, as in f(" + n.name + ") = ...)";
                notes += "\n";
            }
            return p;
        } catch (const Error& e) {
            const Diagnostic& d = e.diagnostic();
            std::string message = statement_hint(d.message);
            if (!d.has_position()) fail_at(at, message);
            throw Error(make_diagnostic(message, text, at.begin + d.offset, d.length));
        }
    }

    // A statement used as a function gets the way to write it in place of the parser's guess
    // at a function it may have meant.
    static std::string statement_hint(const std::string& message) {
        for (std::string_view op : {"diff", "grad", "hessian", "jacobian", "steps", "check", "minimize"}) {
            const std::string unknown = fmt::format("unknown function '{}'", op);
            if (message.starts_with(unknown))
                return unknown + fmt::format(" ({} is a statement of its own: define g = {}(...) first, then use g)", op, op);
        }
        return message;
    }

    // ---------------------------------------------------------------- printing

    std::string signature(const Definition& d) const {
        if (d.params.empty()) return d.name;
        return d.name + "(" + join_names(d.params) + ")";
    }

    std::string body_text(Expr e) const {
        if (!is_matrix(e)) return to_string(e, format);
        if (format == Format::Latex) {
            std::string s = "\\begin{bmatrix}";
            for (std::size_t i = 0; i < e.size(); ++i) {
                s += i ? " \\\\ " : " ";
                for (std::size_t j = 0; j < e[i].size(); ++j) s += (j ? " & " : "") + to_string(e[i][j], format);
            }
            return s + " \\end{bmatrix}";
        }
        std::string s = "[";
        for (std::size_t i = 0; i < e.size(); ++i) s += (i ? ",\n " : "") + to_string(e[i], format);
        return s + "]";
    }

    // A sum over a range runs in the LoopInterpreter, which is the only evaluator that looks at
    // a stop flag; going through it here is what lets Ctrl-C end `sum(i = 1..10^9, sin(i))`.
    // It is the path evaluate() takes for sums too, so the value is the same to the bit.
    double value_of(Expr e) const {
        if (options.stop == nullptr || !has_index_sum(e)) return evaluate(e, {});
        LoopInterpreter li(std::span<const Expr>(&e, 1), Signature{});
        if (li.scalar_outputs() != 1) throw Error("cannot evaluate a vector to a number");
        double out = 0;
        LoopArgs args;
        args.out = &out;
        args.stop = options.stop;
        li.run(args);
        return out;
    }

    static bool has_index_sum(Expr e) {
        return any_node(e, [](Expr n) { return n.is(Op::Sum); });
    }

    // " = 6.283185307179586" for a constant definition that is not a plain number.
    std::string constant_value(const Definition& d) const {
        if (!d.params.empty() || d.body.is_number() || d.body.is(Op::List) || !free_symbols(d.body).empty()) return {};
        try {
            return " = " + format_double(value_of(d.body));
        } catch (const Error&) {
            // The definition stands; only its value was cut short, and :vars shows it again.
            if (options.stop != nullptr && *options.stop != 0) return " (value not computed: interrupted)";
            throw;
        }
    }

    std::string value_text(Expr e) const {
        if (!e.is(Op::List)) return format_double(value_of(e));
        std::string s = "[";
        for (std::size_t i = 0; i < e.size(); ++i)
            s += (i ? (is_matrix(e) ? ",\n " : ", ") : "") + value_text(e[i]);
        return s + "]";
    }

    std::string show(const Result& r) const {
        if (free_symbols(r.expr).empty()) return value_text(r.expr) + "\n" + r.note;
        return body_text(r.expr) + "\n";
    }

    // ---------------------------------------------------------------- printing statements

    void steps(Span all, Span head, ReplReply& reply) {
        Span rest = sc->trim({head.end, all.end});
        if (sc->view(sc->name_at(rest.begin)) != "diff")
            fail_at(rest.empty() ? head : rest, "steps shows a derivation: steps diff(x^2*sin(x), x)");
#ifdef SYMDIFF_REPL_HAS_STEPS
        reply.output += derivation(rest);
#else
        (void)reply;
        fail_at(head, "step-by-step derivations are not available in this build yet");
#endif
    }

#ifdef SYMDIFF_REPL_HAS_STEPS
    // steps diff(F, x): the derivation of diff(F, x), one rule per step.
    std::string derivation(Span rest) {
        const Scanner& s = *sc;
        Span head = s.name_at(rest.begin);
        Span after = s.trim({head.end, rest.end});
        if (after.empty()) fail_at(head, "steps diff needs a function: steps diff(x^2*sin(x), x)");
        std::vector<Span> args;
        if (text[after.begin] == '(') {
            std::size_t close = s.closing(after.begin);
            if (close == std::string_view::npos) fail_at({after.begin, after.begin + 1}, "this '(' is not closed");
            if (close + 1 != rest.end) fail_at(s.trim({close + 1, rest.end}), "unexpected text after diff(...)");
            args = s.split_commas({after.begin + 1, close});
        } else {
            args = s.split_commas(after);
        }
        Span target_span = s.trim(args[0]);
        Result t = target(target_span);
        Expr var;
        if (args.size() > 2) fail_at(s.trim(args[2]), "steps shows one derivative at a time: steps diff(f, x)");
        if (args.size() == 2) {
            Span v = s.trim(args[1]);
            if (!s.is_name(v)) fail_at(v.empty() ? Span{v.begin, v.begin + 1} : v, "diff: expected a variable name here");
            var = ctx.symbol(s.view(v));
        } else if (t.params.size() == 1) {
            var = t.params[0];
        } else {
            fail_at(target_span, t.params.empty() ? "this has no variable to differentiate by"
                                                  : "which variable? this is a function of " + join_names(t.params) +
                                                        " (write steps diff(" + std::string(s.view(target_span)) +
                                                        ", " + t.params[0].name() + "))");
        }
        if (t.expr.is(Op::List)) fail_at(target_span, "steps needs a scalar function");
        try {
            std::string out = render_steps(derive_steps(t.expr, var), format);
            if (!out.empty() && out.back() != '\n') out += '\n';
            return out;
        } catch (const Error& e) {
            if (e.diagnostic().has_position()) throw;
            fail_at(target_span, e.diagnostic().message);
        }
    }
#endif

    // check F at POINT: the symbolic gradient against central differences, in the same table
    // and with the same step and threshold as `symdiff check` (tutorial 001's check).
    void check(Span all, Span head, ReplReply& reply) {
        const Scanner& s = *sc;
        Span rest = s.trim({head.end, all.end});
        auto at = s.find_keyword(rest, "at");
        if (!at) fail_at(rest.empty() ? head : rest, "check needs a point: check f at (0.5, 0.5)");
        Span target_span = s.trim({rest.begin, at->begin});
        if (target_span.empty()) fail_at(head, "check needs a function: check f at (0.5, 0.5)");
        Result t = target(target_span);
        if (t.expr.is(Op::List)) fail_at(target_span, "check needs a scalar function");
        if (t.params.empty()) fail_at(target_span, "this has no variables: there is no gradient to check");
        std::vector<double> x = numeric_point(t, s.trim({at->end, all.end}), "check");
        std::vector<Assignment> point;
        for (std::size_t i = 0; i < x.size(); ++i) point.push_back(Assignment{t.params[i].name(), x[i], {}, false, {}, {}});
        const GradientCheck c = check_gradient(t.expr, t.params, point);
        std::string out = fmt::format("{:<10} {:>22} {:>22} {:>14}  {}\n", "variable", "symbolic", "numeric",
                                      "rel. error", "check");
        for (const CheckRow& r : c.rows)
            out += fmt::format("{:<10} {:>22} {:>22} {:>14.2e}  {}\n", r.name, format_double(r.symbolic),
                               format_double(r.numeric), r.error, r.passed() ? "pass" : "FAIL");
        out += fmt::format("max relative error: {:.2e} (threshold {:.0e}, central differences with h = {:.0e})\n",
                           c.worst, kCheckThreshold, kCheckStep);
        out += c.passed() ? "gradient check passed\n" : style.error("gradient check FAILED") + "\n";
        reply.output += out;
    }

    // plot F [over RANGES] [derivative [N]] [tangent X,...] [to FILE]: the picture of `symdiff
    // plot`, as text in the reply, or into a file.
    void plot(Span all, Span head, ReplReply& reply) {
        const Scanner& s = *sc;
        static constexpr std::string_view kWords[] = {"over", "derivative", "tangent", "to"};
        Span rest = s.trim({head.end, all.end});
        std::size_t target_end = rest.end;
        for (std::string_view w : kWords)
            if (auto k = s.find_keyword(rest, w)) target_end = std::min(target_end, k->begin);
        Span target_span = s.trim({rest.begin, target_end});
        if (target_span.empty()) fail_at(rest.empty() ? head : rest, "plot needs a function: plot f over x=-3..3");
        Result t = target(target_span);
        std::vector<Expr> functions;
        if (t.expr.is(Op::List))
            for (std::size_t i = 0; i < t.expr.size(); ++i) functions.push_back(t.expr[i]);
        else
            functions.push_back(t.expr);
        plot::FunctionOptions fo;
        std::string file;
        Span opts = s.trim({target_end, rest.end});
        while (!opts.empty()) {
            Span key = s.name_at(opts.begin);
            const std::string k(s.view(key));
            if (std::find(std::begin(kWords), std::end(kWords), k) == std::end(kWords))
                fail_at(key.empty() ? Span{opts.begin, opts.begin + 1} : key,
                        "expected an option: over, derivative, tangent or to");
            Span arg = s.trim({key.end, opts.end});
            std::size_t arg_end = arg.end;
            for (std::string_view w : kWords)
                if (auto n = s.find_keyword(arg, w)) arg_end = std::min(arg_end, n->begin);
            arg = s.trim({arg.begin, arg_end});
            const std::string value(s.view(arg));
            try {
                if (k == "derivative") {
                    fo.derivatives = 1;
                    if (!value.empty()) {
                        if (value.find_first_not_of("0123456789") != std::string::npos || value.size() > 2 || value == "0")
                            fail_at(arg, "derivative takes an order 1, 2, ...");
                        fo.derivatives = std::stoi(value);
                    }
                } else if (value.empty()) {
                    fail_at(key, k + " needs a value");
                } else if (k == "over") {
                    fo.ranges = plot::parse_ranges(ctx, value, "over");
                } else if (k == "tangent") {
                    fo.tangents = plot::parse_numbers(ctx, value, "tangent");
                } else {
                    file = value;
                    if (file.size() >= 2 && (file.front() == '"' || file.front() == '\'') && file.back() == file.front())
                        file = file.substr(1, file.size() - 2);
                    if (!plot::output_for_path(file))
                        fail_at(arg, "the file's extension picks the picture's format: .svg, .png or .pdf");
                }
            } catch (const Error& e) {
                if (e.diagnostic().has_position()) throw;
                fail_at(arg.empty() ? key : arg, e.diagnostic().message);
            }
            opts = s.trim({arg.end, opts.end});
        }
        plot::Figure figure;
        try {
            figure = plot::function_figure(functions, fo);
        } catch (const Error& e) {
            if (e.diagnostic().has_position()) throw;
            fail_at(target_span, e.diagnostic().message);
        }
        plot::RenderOptions r;
        if (!file.empty()) {
            r.output = *plot::output_for_path(file);
            r.path = file;
            plot::render(figure, r);
            reply.output += "wrote " + file + "\n";
            return;
        }
        r.output = plot::Output::Text;
        r.text_columns = options.plot_columns;
        r.text_rows = options.plot_rows;
        // gnuplot's text starts each page with a form feed and pads its lines with spaces.
        std::string picture;
        for (char c : plot::render(figure, r))
            if (c != '\f') picture += c;
        std::string out;
        std::size_t b = 0;
        while (b < picture.size()) {
            std::size_t e = picture.find('\n', b);
            if (e == std::string::npos) e = picture.size();
            std::string line = picture.substr(b, e - b);
            while (!line.empty() && line.back() == ' ') line.pop_back();
            out += line + "\n";
            b = e + 1;
        }
        while (out.size() > 1 && out[0] == '\n') out.erase(0, 1);
        reply.output += out;
    }

    // minimize F from POINT [method M] [lr R] [steps N] [tol T]
    void minimize(Span all, Span head, ReplReply& reply) {
        const Scanner& s = *sc;
        Span rest = s.trim({head.end, all.end});
        auto from = s.find_keyword(rest, "from");
        if (!from) fail_at(rest.empty() ? head : rest, "minimize needs a start point: minimize f from (-1, 1)");
        Span target_span = s.trim({rest.begin, from->begin});
        if (target_span.empty()) fail_at(head, "minimize needs a function: minimize f from (-1, 1)");
        Result t = target(target_span);
        if (t.expr.is(Op::List)) fail_at(target_span, "minimize needs a scalar function");
        if (t.params.empty()) fail_at(target_span, "this has no variables to minimise over");

        // The options follow the point: after its ')', or else from the first option word.
        Span tail = s.trim({from->end, all.end});
        std::size_t point_end = tail.end;
        if (!tail.empty() && text[tail.begin] == '(' && s.closing(tail.begin) < tail.end) {
            point_end = s.closing(tail.begin) + 1;
        } else {
            for (std::string_view w : {"method", "lr", "steps", "tol"})
                if (auto k = s.find_keyword(tail, w)) point_end = std::min(point_end, k->begin);
        }
        std::vector<double> start = numeric_point(t, s.trim({tail.begin, point_end}), "minimize");

        Options o;
        Span opts = s.trim({point_end, tail.end});
        while (!opts.empty()) {
            Span key = s.name_at(opts.begin);
            std::string_view k = s.view(key);
            if (k != "method" && k != "lr" && k != "steps" && k != "tol")
                fail_at(key.empty() ? Span{opts.begin, opts.begin + 1} : key,
                        "expected an option: method, lr, steps or tol");
            Span arg = s.trim({key.end, opts.end});
            std::size_t arg_end = arg.end;
            for (std::string_view w : {"method", "lr", "steps", "tol"})
                if (auto n = s.find_keyword(arg, w)) arg_end = std::min(arg_end, n->begin);
            arg = s.trim({arg.begin, arg_end});
            if (arg.empty()) fail_at(key, std::string(k) + " needs a value");
            if (k == "method") {
                auto m = method_from_name(s.view(arg));
                if (!m) {
                    static constexpr std::string_view kMethods[] = {"gd",      "momentum", "nesterov", "adam",
                                                                    "rmsprop", "lbfgs",    "newton"};
                    const std::string guess = did_you_mean(s.view(arg), std::span<const std::string_view>(kMethods));
                    fail_at(arg, "unknown method '" + std::string(s.view(arg)) + "'" +
                                     (guess.empty() ? " (gd, momentum, nesterov, adam, rmsprop, lbfgs, newton)" : guess));
                }
                o.method = *m;
            } else {
                double v = constant(arg);
                if (k == "lr") {
                    if (!(v > 0) || !std::isfinite(v)) fail_at(arg, "lr must be a positive number");
                    o.lr = v;
                } else if (k == "tol") {
                    if (!(v >= 0)) fail_at(arg, "tol must not be negative");
                    o.grad_tol = v;
                } else {
                    if (!(v >= 1) || v > 1e9 || v != std::floor(v)) fail_at(arg, "steps must be a whole number from 1 to 1e9");
                    o.max_steps = static_cast<std::size_t>(v);
                }
            }
            opts = s.trim({arg.end, opts.end});
        }

        Report r;
        Assessment verdict;
        try {
            Objective objective(t.expr, t.params, Backend::Jit);
            // Interrupts and progress are looked at every 1024 steps: a few nanoseconds per
            // step at most, and a reaction well under a second even for large functions.
            using clock = std::chrono::steady_clock;
            auto last = clock::now();
            bool shown = false;
            auto observe = [&](const StepInfo& info) {
                if ((info.step & 1023) != 0) return true;
                if (options.interrupted && options.interrupted()) return false;
                if (options.progress && clock::now() - last > std::chrono::milliseconds(200)) {
                    last = clock::now();
                    double g = 0;
                    for (double v : info.grad) g += v * v;
                    options.progress(fmt::format("step {} of {}  f = {}  |grad f| = {}", info.step, o.max_steps,
                                                 format_double(info.f), format_double(std::sqrt(g))));
                    shown = true;
                }
                return true;
            };
            r = objective.minimize(start, o, observe);
            if (shown) options.progress("");
            verdict = objective.assess(r, o);
        } catch (const Error& e) {
            if (e.diagnostic().has_position()) throw;
            fail_at(target_span, e.diagnostic().message);
        }
        std::vector<std::string> names;
        for (Expr v : t.params) names.push_back(v.name());
        if (r.reason == StopReason::Callback) r.message = "interrupted (Ctrl-C) at step " + std::to_string(r.steps);
        reply.output += format_report(r, names);
        // The verdict of `symdiff minimize`, and what the end point is.
        reply.output += format_assessment(verdict);
    }

    double constant(Span at) {
        Parsed p = parse_span(at);
        if (!free_symbols(p.expr).empty() || p.expr.is(Op::List)) fail_at(at, "expected a number here");
        return value_of(p.expr);
    }

    // ---------------------------------------------------------------- commands

    static constexpr std::string_view kReplFormats[] = {"text", "unicode", "latex"};

    void command(Span all, ReplReply& reply) {
        const Scanner& s = *sc;
        std::size_t i = all.begin + 1;
        Span word = s.name_at(i);
        Span cmd{all.begin, word.empty() ? i : word.end};
        std::string name(s.view(cmd));
        Span arg = s.trim({cmd.end, all.end});
        std::string argument(s.view(arg));
        auto no_argument = [&] {
            if (!arg.empty()) fail_at(arg, name + " takes no argument");
        };
        if (name == ":help" || name == ":h") {
            no_argument();
            reply.output += repl::help_text();
        } else if (name == ":vars") {
            no_argument();
            if (defs.empty()) reply.output += "no definitions yet (define one with f(x) = x^2 or a = 3)\n";
            for (const Definition& d : defs)
                reply.output += style.name(signature(d)) + " = " + body_text(d.body) + constant_value(d) + "\n";
        } else if (name == ":format") {
            if (arg.empty()) {
                reply.output += "format: " + std::string(format_name(format)) + "\n";
                return;
            }
            auto f = format_from_name(argument);
            if (!f || (*f != Format::Text && *f != Format::Unicode && *f != Format::Latex)) {
                const std::string guess = did_you_mean(argument, std::span<const std::string_view>(kReplFormats));
                fail_at(arg, "unknown format '" + argument + "'" + (guess.empty() ? " (text, unicode or latex)" : guess));
            }
            format = *f;
            reply.output += "format: " + argument + "\n";
        } else if (name == ":load") {
            if (arg.empty()) fail_at(cmd, ":load needs a file name");
            load(expand_home(argument), arg, reply);
        } else if (name == ":save") {
            if (arg.empty()) fail_at(cmd, ":save needs a file name");
            save(expand_home(argument), arg, reply);
        } else if (name == ":quit" || name == ":q") {
            no_argument();
            reply.quit = true;
        } else {
            const std::string guess = did_you_mean(name, repl::command_names());
            fail_at(cmd, "unknown command '" + name + "'" + (guess.empty() ? " (:help lists the commands)" : guess));
        }
    }

    static std::string expand_home(const std::string& path) {
        if (path.size() >= 2 && path[0] == '~' && path[1] == '/')
            if (const char* home = std::getenv("HOME"); home && *home) return home + path.substr(1);
        return path;
    }

    // Written whole or not at all (output.hpp): a full disk leaves the previous file.
    void save(const std::string& path, Span arg, ReplReply& reply) {
        try {
            OutputFile out(path, "the session file");
            out.write("# symdiff definitions, written by :save; read them back with :load " + path + "\n");
            for (const Definition& d : defs) out.write(signature(d) + " = " + to_string(d.body, Format::Text) + "\n");
            out.commit();
        } catch (const Error& e) {
            fail_at(arg, e.what());
        }
        reply.output += fmt::format("saved {} to {}\n", plural(defs.size(), "definition"), path);
    }

    // Each statement of the file runs as if typed (brackets continue lines, a blank line ends
    // an unfinished one); errors name the file and line and do not stop the rest. The file is
    // read as --data reads a CSV file (data/lines.hpp): a directory, /dev/zero or a line over
    // a megabyte is an error, and memory holds one statement at a time.
    void load(const std::string& path, Span arg, ReplReply& reply) {
        if (load_depth >= kMaxLoadDepth) fail_at(arg, ":load is nested too deeply (does the file load itself?)");
        ++load_depth;
        struct Depth {
            std::size_t& d;
            ~Depth() { --d; }
        } depth{load_depth};
        std::size_t line_no = 0, first_line = 0, errors = 0, defined = 0;
        std::string pending;
        auto flush = [&] {
            if (pending.find_first_not_of(" \t\r\n") == std::string::npos) {
                pending.clear();
                return;
            }
            ReplReply r = run(pending);
            if (r.quit) reply.quit = true;
            std::string stripped = repl::strip_comments(pending);
            bool is_definition = repl::Scanner(stripped).top_level_equals({0, stripped.size()}).has_value();
            if (is_definition && r.ok()) ++defined;
            if (!is_definition) reply.output += r.output;
            if (!r.errors.empty()) {
                ++errors;
                reply.errors += fmt::format("{}:{}: ", path, first_line) + r.errors;
            }
            pending.clear();
        };
        struct Quit {};
        try {
            detail::read_lines(path, CsvOptions{}.max_line_bytes, [&](std::string_view line, bool) {
                ++line_no;
                if (pending.empty()) first_line = line_no;
                else if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
                    flush();
                    return;
                }
                if (pending.empty()) pending = line;
                else pending.append("\n").append(line);
                if (repl::bracket_balance(pending) <= 0) flush();
                if (reply.quit) throw Quit{};
            });
        } catch (const Quit&) {
        } catch (const Error& e) {
            fail_at(arg, e.what());
        }
        if (!reply.quit) flush();
        reply.quit = false;
        reply.output += fmt::format("loaded {}: {}{}\n", path, plural(defined, "definition"),
                                    errors ? ", " + plural(errors, "error") : "");
    }
};

Repl::Repl(ReplOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Repl::~Repl() = default;

ReplReply Repl::run(std::string_view input) { return impl_->run(input); }

bool Repl::incomplete(std::string_view input) { return repl::bracket_balance(input) > 0; }

std::vector<std::string> Repl::completions(std::string_view prefix) const {
    std::vector<std::string> out;
    auto offer = [&](std::string_view w) {
        if (w.size() >= prefix.size() && w.substr(0, prefix.size()) == prefix) out.emplace_back(w);
    };
    if (!prefix.empty() && prefix[0] == ':') {
        for (std::string_view c : repl::command_names()) offer(c);
    } else {
        for (std::string_view k : repl::keywords()) offer(k);
        for (std::string_view b : repl::builtin_names()) offer(b);
        for (const Definition& d : impl_->defs) offer(d.name);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<std::string> Repl::names() const {
    std::vector<std::string> out;
    for (const Definition& d : impl_->defs) out.push_back(d.name);
    return out;
}

Format Repl::format() const { return impl_->format; }

} // namespace symdiff
