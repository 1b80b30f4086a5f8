// The REPL session: statements (definitions, operations, expressions) over one Context
// (commands.cpp has the statements that run a stage and the :commands). The statement level is scanned here; every expression goes to the parser with the
// session's definitions, and every error is repositioned into the line the user typed.
#include "repl/impl.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_set>

#include "repl/help.hpp"
#include "symdiff/dag.hpp"
#include "symdiff/data.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/output.hpp"
#include "symdiff/point_test.hpp"
#include "symdiff/simplify.hpp"
#include "symdiff/suggest.hpp"

namespace symdiff {

using namespace repl;

ReplReply Repl::Impl::run(std::string_view input) {
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

std::string Repl::Impl::render_message(std::string_view message) const {
    return style.error("error:") + " " + std::string(message) + "\n";
}

std::string Repl::Impl::render(const Diagnostic& d) const {
    std::string out = render_message(d.message);
    if (!d.has_position()) return out;
    out += "  " + d.source_line + "\n";
    std::string caret = "^" + std::string(d.length > 1 ? d.length - 1 : 0, '~');
    out += "  " + std::string(d.caret_column - 1, ' ') + style.caret(caret) + "\n";
    return out;
}

void Repl::Impl::statement(ReplReply& reply) {
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
void Repl::Impl::definition(Span all, std::size_t eq, ReplReply& reply) {
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

void Repl::Impl::define(Definition d) {
    parse_options.functions[d.name] = UserFunction{d.params, d.body};
    if (auto it = index.find(d.name); it != index.end()) {
        defs[it->second] = std::move(d);
    } else {
        index.emplace(d.name, defs.size());
        defs.push_back(std::move(d));
    }
}

void Repl::Impl::check_definable(Span at, std::string_view what) const {
    std::string_view name = sc->view(at);
    if (repl::is_reserved(name))
        fail_at(at, fmt::format("cannot {} '{}': it is a built-in name (:help lists them)", what, name));
}

// A value statement: an operation (diff, grad, ...) or an expression, optionally
// followed by `at POINT`.
Result Repl::Impl::query(Span all) {
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

Result Repl::Impl::value(Span all) {
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
bool Repl::Impl::has_list_inside(Expr e) {
    return any_node(e, [](Expr n) {
        if (n.is(Op::List)) return false;
        for (std::size_t i = 0; i < n.size(); ++i)
            if (n[i].is(Op::List)) return true;
        return false;
    });
}

// The definition when `all` is exactly a defined name.
const Definition* Repl::Impl::defined(Span all) const {
    if (!sc->is_name(all)) return nullptr;
    auto it = index.find(std::string(sc->view(sc->trim(all))));
    return it == index.end() ? nullptr : &defs[it->second];
}

// Free variables in the order the text shows them (then any others, such as those a
// definition brought in).
std::vector<Expr> Repl::Impl::ordered_free_variables(const Parsed& p) {
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
Result Repl::Impl::target(Span at) {
    at = sc->trim(at);
    if (at.empty()) fail_at({at.begin, at.begin + 1}, "expected a function or an expression");
    if (auto d = defined(at)) return Result{d->body, d->params};
    if (sc->is_name(at) && !repl::is_reserved(sc->view(at)))
        fail_at(at, "'" + std::string(sc->view(at)) + "' is not defined (:vars lists the definitions)");
    return value(at);
}

std::vector<Expr> Repl::Impl::variables_of(std::span<const Span> args, const Result& t, std::string_view op) {
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

Result Repl::Impl::operation(std::string_view op, Span head, std::vector<Span> args) {
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

Expr Repl::Impl::matrix(const std::vector<std::vector<Expr>>& rows) {
    std::vector<Expr> items;
    for (const auto& row : rows) {
        std::vector<Expr> r;
        for (Expr e : row) r.push_back(simplify(e));
        items.push_back(ctx.list(r));
    }
    return ctx.list(items);
}

// diff(F), diff(F, x), diff(F, x, y) (successively), diff(F, x, 2) (second derivative).
Result Repl::Impl::derivative(const Result& t, Span target_span, std::span<const Span> rest) {
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
Result Repl::Impl::apply_point(const Result& r, Span point, std::string_view what) {
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
std::string Repl::Impl::point_test(const Result& r, std::span<const std::pair<Expr, Expr>> subst, Expr values) {
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

Parsed Repl::Impl::point_value(Span at) {
    if (at.empty()) fail_at({at.begin, at.begin + 1}, "expected a value here");
    return parse_span(at);
}

// The numbers of a point whose every coordinate must be a constant.
std::vector<double> Repl::Impl::numeric_point(const Result& r, Span point, std::string_view what) {
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

Parsed Repl::Impl::parse_span(Span at) {
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
std::string Repl::Impl::statement_hint(const std::string& message) {
    for (std::string_view op : {"diff", "grad", "hessian", "jacobian", "steps", "check", "minimize"}) {
        const std::string unknown = fmt::format("unknown function '{}'", op);
        if (message.starts_with(unknown))
            return unknown + fmt::format(" ({} is a statement of its own: define g = {}(...) first, then use g)", op, op);
    }
    return message;
}

std::string Repl::Impl::signature(const Definition& d) const {
    if (d.params.empty()) return d.name;
    return d.name + "(" + join_names(d.params) + ")";
}

std::string Repl::Impl::body_text(Expr e) const {
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
double Repl::Impl::value_of(Expr e) const {
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

bool Repl::Impl::has_index_sum(Expr e) {
    return any_node(e, [](Expr n) { return n.is(Op::Sum); });
}

// " = 6.283185307179586" for a constant definition that is not a plain number.
std::string Repl::Impl::constant_value(const Definition& d) const {
    if (!d.params.empty() || d.body.is_number() || d.body.is(Op::List) || !free_symbols(d.body).empty()) return {};
    try {
        return " = " + format_double(value_of(d.body));
    } catch (const Error&) {
        // The definition stands; only its value was cut short, and :vars shows it again.
        if (options.stop != nullptr && *options.stop != 0) return " (value not computed: interrupted)";
        throw;
    }
}

std::string Repl::Impl::value_text(Expr e) const {
    if (!e.is(Op::List)) return format_double(value_of(e));
    std::string s = "[";
    for (std::size_t i = 0; i < e.size(); ++i)
        s += (i ? (is_matrix(e) ? ",\n " : ", ") : "") + value_text(e[i]);
    return s + "]";
}

std::string Repl::Impl::show(const Result& r) const {
    if (free_symbols(r.expr).empty()) return value_text(r.expr) + "\n" + r.note;
    return body_text(r.expr) + "\n";
}

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
