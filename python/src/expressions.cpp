// symdiff.Expr and symdiff.Context: parsing, operators, functions, derivatives, printing,
// substitution and evaluation at a point, over the same library calls as the CLI's commands.
#include <pybind11/numpy.h>

#include <functional>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "common.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/engine.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/simplify.hpp"
#include "symdiff/steps.hpp"

namespace symdiff::python {

namespace {

Format format_arg(const std::string& name) {
    auto f = format_from_name(name);
    if (!f) throw Error(fmt::format("unknown format '{}': use text, unicode, latex, c or json", name));
    return *f;
}

/// Values of variables from a mapping whose keys are names or symbols, and keyword arguments.
Bindings bindings_arg(const ContextPtr& ctx, py::handle mapping, const py::kwargs& kwargs) {
    Bindings at;
    auto add = [&](py::handle key, py::handle value) {
        const std::string name = expect_symbol(ctx, key).name();
        if (!at.emplace(name, value.cast<double>()).second)
            throw Error(fmt::format("the value of '{}' is given twice", name));
    };
    if (!mapping.is_none()) {
        for (auto item : py::reinterpret_borrow<py::dict>(py::dict(py::reinterpret_borrow<py::object>(mapping))))
            add(item.first, item.second);
    }
    for (auto item : kwargs) add(item.first, item.second);
    return at;
}

Expr list_arg(const ContextPtr& ctx, py::handle items) {
    Expr e;
    if (to_expr(ctx, items, e)) return e;
    std::vector<Expr> list;
    for (py::handle item : py::iter(items)) list.push_back(expect_expr(ctx, item, "an item of the list"));
    return ctx->list(list);
}

py::list wrap_all(const ContextPtr& ctx, const std::vector<Expr>& v, bool simplified) {
    py::list out;
    for (Expr e : v) out.append(wrap(ctx, simplified ? simplify(e) : e));
    return out;
}

py::list wrap_matrix(const ContextPtr& ctx, const std::vector<std::vector<Expr>>& m, bool simplified) {
    py::list out;
    for (const auto& row : m) out.append(wrap_all(ctx, row, simplified));
    return out;
}

/// The variable of a one-variable derivative when none is named: the only one, as the CLI's
/// diff chooses it.
Expr only_variable(const PyExpr& f) {
    std::vector<Expr> vars = variables_of(f);
    if (vars.size() > 1) {
        std::string names;
        for (Expr v : vars) names += (names.empty() ? "" : ", ") + v.name();
        throw Error(fmt::format(
            "the expression has several variables ({}): name the one to differentiate by, or use grad for all of them",
            names));
    }
    // A constant differentiates to 0 with respect to anything; x is as good as any.
    return vars.empty() ? f.ctx->symbol("x") : vars[0];
}

py::object derivative(const PyExpr& f, py::args vars, int order, bool simplified) {
    if (order < 0) throw Error("the order of a derivative cannot be negative");
    std::vector<Expr> xs;
    for (py::handle v : vars) xs.push_back(expect_symbol(f.ctx, v));
    if (xs.empty()) xs.push_back(only_variable(f));
    Expr d;
    if (xs.size() == 1) {
        d = diff(f.e, xs[0], order);
    } else {
        d = f.e;
        for (int k = 0; k < order; ++k) d = diff(d, xs);
    }
    return wrap(f.ctx, simplified ? simplify(d) : d);
}

using BinaryMaker = std::function<Expr(Context&, Expr, Expr)>;

py::object binary(const PyExpr& self, py::handle other, bool reflected, const BinaryMaker& make) {
    Expr o;
    if (!to_expr(self.ctx, other, o)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return wrap(self.ctx, reflected ? make(*self.ctx, o, self.e) : make(*self.ctx, self.e, o));
}

py::object parse_text(const std::string& text, py::handle variables, const ContextPtr& ctx) {
    ParseOptions options;
    if (!variables.is_none()) {
        for (Expr v : variables_arg(ctx, Expr(), variables)) options.variables.push_back(v.name());
    }
    Parsed parsed;
    try {
        parsed = parse(*ctx, text, options);
    } catch (const Error& e) {
        throw ParseFailure(e);
    }
    py::list notes;
    for (const Note& n : parsed.notes) {
        std::string hint = n.diagnostic.message;
        if (n.is_product()) hint += fmt::format(" (declare it with variables=['{}'] to read it as one variable)", n.name);
        notes.append(hint);
    }
    std::vector<Expr> free = free_symbols(parsed.expr);
    PyExpr expr{ctx, parsed.expr, nullptr};
    // Declared names the text does not use are not variables of the expression.
    if (free.size() == parsed.variables.size())
        expr.order = std::make_shared<const std::vector<Expr>>(parsed.variables);
    return py::make_tuple(py::cast(std::move(expr)), notes, wrap_all(ctx, parsed.variables, false));
}

py::object value_object(const Value& v) {
    if (!v.is_list) return py::float_(v.scalar);
    py::list items;
    for (const Value& item : v.items) items.append(value_object(item));
    return items;
}

/// The value of an expression with sums, vectors (x[i], len(x)) or means over data rows,
/// through the library's loop binding: vector values are sequences or arrays, sizes such as
/// n are inferred from the vectors' lengths when not given, and `data` (a dict of columns or
/// a DataFrame) gives the rows of sum(...) and mean(...).
py::object evaluate_loops_object(const PyExpr& s, py::handle mapping, const py::kwargs& kwargs, py::handle data) {
    std::vector<Assignment> at;
    auto add = [&](py::handle key, py::handle value) {
        Assignment a;
        a.name = expect_symbol(s.ctx, key).name();
        for (const Assignment& b : at)
            if (b.name == a.name) throw Error(fmt::format("the value of '{}' is given twice", a.name));
        py::array_t<double, py::array::forcecast> arr = py::array_t<double, py::array::forcecast>::ensure(value);
        if (!arr) {
            PyErr_Clear();
            throw py::type_error(fmt::format("the value of '{}' must be a number or a sequence of numbers", a.name));
        }
        if (arr.ndim() == 0) {
            a.value = *arr.data();
        } else {
            if (arr.ndim() != 1) throw Error(fmt::format("the vector '{}' must be one-dimensional", a.name));
            a.is_vector = true;
            for (py::ssize_t i = 0; i < arr.size(); ++i) a.elements.push_back(arr.at(i));
        }
        at.push_back(std::move(a));
    };
    if (!mapping.is_none())
        for (auto item : py::dict(py::reinterpret_borrow<py::object>(mapping))) add(item.first, item.second);
    for (auto item : kwargs) add(item.first, item.second);
    std::optional<DataSet> ds;
    if (!data.is_none()) {
        ds.emplace();
        ds->source = "<data>";
        for (py::handle item : data.attr("items")()) {
            py::tuple kv = py::reinterpret_borrow<py::tuple>(item);
            auto column = py::array_t<double, py::array::forcecast>::ensure(kv[1]);
            if (!column || column.ndim() != 1)
                throw Error(fmt::format("data column '{}' must be a one-dimensional array of numbers",
                                        py::str(kv[0]).cast<std::string>()));
            ds->names.push_back(py::str(kv[0]).cast<std::string>());
            ds->columns.emplace_back(column.data(), column.data() + column.size());
        }
    }
    std::vector<Expr> outputs;
    if (s.e.is(Op::List)) {
        for (std::size_t i = 0; i < s.e.size(); ++i) outputs.push_back(s.e[i]);
    } else {
        outputs.push_back(s.e);
    }
    std::vector<Value> values;
    try {
        const LoopBinding b = bind_loops(outputs, at, ds ? &*ds : nullptr);
        values = evaluate_loops(outputs, b, EvalBackend::Interp);
    } catch (const Error& e) {
        // The binding's messages name the CLI's options; say it in this function's terms.
        Diagnostic d = e.diagnostic();
        for (auto [cli, py] : {std::pair<std::string_view, std::string_view>{"with --at '", "as '"},
                               {"with --at ", "as "},
                               {"with --data FILE.csv", "with data="}}) {
            for (std::size_t at_ = d.message.find(cli); at_ != std::string::npos; at_ = d.message.find(cli))
                d.message.replace(at_, cli.size(), py);
        }
        throw Error(d);
    }
    if (!s.e.is(Op::List)) return value_object(values.at(0));
    py::list items;
    for (const Value& v : values) items.append(value_object(v));
    return items;
}

py::object evaluate_any(const PyExpr& s, py::handle mapping, const py::kwargs& kwargs, py::handle data) {
    if (uses_loops(s.e)) return evaluate_loops_object(s, mapping, kwargs, data);
    return evaluate_object(s.e, bindings_arg(s.ctx, mapping, kwargs));
}

} // namespace

py::object evaluate_object(Expr e, const Bindings& at) {
    if (e.is(Op::List)) {
        py::list items;
        for (std::size_t i = 0; i < e.size(); ++i) items.append(evaluate_object(e[i], at));
        return items;
    }
    return py::float_(evaluate(e, at));
}

void bind_expressions(py::module_& m) {
    py::class_<PyContext>(m, "Context", R"doc(
A store of expression nodes. Expressions of one Context combine; expressions of different
Contexts do not. Without a context argument, everything uses one process-wide Context, which
lives until the process ends; a Context() of your own is freed with its last expression (or
kernel compiled from one), which bounds the memory of programs that make many unrelated
expressions.)doc")
        .def(py::init([] { return PyContext{std::make_shared<Context>()}; }))
        .def_property_readonly("nodes", [](const PyContext& c) { return c.ctx->size(); },
                               "Number of distinct nodes made in this Context so far.")
        .def("__eq__", [](const PyContext& a, const PyContext& b) { return a.ctx == b.ctx; })
        .def("__hash__", [](const PyContext& c) { return std::hash<const void*>{}(c.ctx.get()); });

    m.def("default_context", [] { return PyContext{default_context()}; },
          "The process-wide Context used when none is given.");

    m.def("_parse", [](const std::string& text, py::handle variables, py::handle context) {
        const ContextPtr ctx = context.is_none() ? default_context() : context.cast<const PyContext&>().ctx;
        return parse_text(text, variables, ctx);
    });

    m.def("_symbol", [](const std::string& name, py::handle context) {
        const ContextPtr ctx = context.is_none() ? default_context() : context.cast<const PyContext&>().ctx;
        return wrap(ctx, expect_symbol(ctx, py::str(name)));
    });

    m.def("_constant", [](const std::string& name, py::handle context) {
        const ContextPtr ctx = context.is_none() ? default_context() : context.cast<const PyContext&>().ctx;
        if (name == "pi") return wrap(ctx, ctx->pi());
        if (name == "e") return wrap(ctx, ctx->e());
        throw Error(fmt::format("unknown constant '{}'", name));
    });

    m.def("_list", [](py::list items) {
        const ContextPtr ctx = context_of(py::tuple(items));
        return wrap(ctx, list_arg(ctx, items));
    });

    // One function per built-in function of the language (ops.def), named as in the language.
    for (std::size_t i = 0; i < op_count(); ++i) {
        const Op op = static_cast<Op>(i);
        if (op_kind(op) != OpKind::Function) continue;
        const std::string name(op_name(op));
        const int arity = op_arity(op);
        const std::string doc = fmt::format("{}({}) as an expression (numbers are made expressions).", name,
                                            arity == 2 ? "a, b" : "x");
        m.def(name.c_str(), [op](py::args args) {
            const ContextPtr ctx = context_of(args);
            std::vector<Expr> xs;
            for (py::handle a : args) xs.push_back(expect_expr(ctx, a, "an argument"));
            return wrap(ctx, ctx->call(op, xs));
        }, doc.c_str());
    }
    m.def("sqrt", [](py::handle x) {
        const ContextPtr ctx = context_of(py::make_tuple(x));
        return wrap(ctx, ctx->sqrt(expect_expr(ctx, x, "the argument")));
    }, "sqrt(x) as an expression: x^(1/2).");

    py::class_<PyExpr>(m, "Expr", R"doc(
An expression: an immutable node of a hash-consed DAG. Build one with symdiff.parse("...") or
from symdiff.symbols("x y") with Python's operators (+ - * / ** and unary -, numbers on
either side) and symdiff's functions (symdiff.sin, exp, ln/log, sqrt, ...).

Two expressions of one Context are == exactly when they are the same canonical expression
(structural equality, O(1)), and equal expressions hash alike. str() is the text form the CLI
prints; Jupyter shows the LaTeX form.)doc")
        .def("__str__", [](const PyExpr& s) { return to_string(s.e); })
        .def("__repr__", [](const PyExpr& s) { return to_string(s.e); })
        .def("_repr_latex_", [](const PyExpr& s) { return "$\\displaystyle " + to_string(s.e, Format::Latex) + "$"; })
        .def("to_string", [](const PyExpr& s, const std::string& format) { return to_string(s.e, format_arg(format)); },
             py::arg("format") = "text", "The expression in a format: text, unicode, latex, c or json.")
        .def("to_latex", [](const PyExpr& s) { return to_string(s.e, Format::Latex); }, "LaTeX, without $ signs.")
        .def("to_c", [](const PyExpr& s) { return to_string(s.e, Format::C); }, "A C99 expression over doubles.")
        .def("to_unicode", [](const PyExpr& s) { return to_string(s.e, Format::Unicode); })
        .def("to_json", [](const PyExpr& s) { return to_string(s.e, Format::Json); }, "The stored DAG as a JSON tree.")
        .def("to_sexpr", [](const PyExpr& s) { return to_sexpr(s.e); }, "Every node as stored: (add 1 (pow x 2)).")

        .def("__add__", [](const PyExpr& s, py::handle o) { return binary(s, o, false, [](Context&, Expr a, Expr b) { return a + b; }); })
        .def("__radd__", [](const PyExpr& s, py::handle o) { return binary(s, o, true, [](Context&, Expr a, Expr b) { return a + b; }); })
        .def("__sub__", [](const PyExpr& s, py::handle o) { return binary(s, o, false, [](Context&, Expr a, Expr b) { return a - b; }); })
        .def("__rsub__", [](const PyExpr& s, py::handle o) { return binary(s, o, true, [](Context&, Expr a, Expr b) { return a - b; }); })
        .def("__mul__", [](const PyExpr& s, py::handle o) { return binary(s, o, false, [](Context&, Expr a, Expr b) { return a * b; }); })
        .def("__rmul__", [](const PyExpr& s, py::handle o) { return binary(s, o, true, [](Context&, Expr a, Expr b) { return a * b; }); })
        .def("__truediv__", [](const PyExpr& s, py::handle o) { return binary(s, o, false, [](Context&, Expr a, Expr b) { return a / b; }); })
        .def("__rtruediv__", [](const PyExpr& s, py::handle o) { return binary(s, o, true, [](Context&, Expr a, Expr b) { return a / b; }); })
        .def("__pow__", [](const PyExpr& s, py::handle o) { return binary(s, o, false, [](Context&, Expr a, Expr b) { return pow(a, b); }); })
        .def("__rpow__", [](const PyExpr& s, py::handle o) { return binary(s, o, true, [](Context&, Expr a, Expr b) { return pow(a, b); }); })
        .def("__neg__", [](const PyExpr& s) { return wrap(s.ctx, -s.e); })
        .def("__pos__", [](const PyExpr& s) { return wrap(s.ctx, s.e); })
        .def("__eq__", [](const PyExpr& s, py::handle o) -> py::object {
            if (py::isinstance<PyExpr>(o) && o.cast<const PyExpr&>().ctx != s.ctx) return py::bool_(false);
            Expr e;
            if (!to_expr(s.ctx, o, e)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
            return py::bool_(e == s.e);
        })
        .def("__ne__", [](const PyExpr& s, py::handle o) -> py::object {
            if (py::isinstance<PyExpr>(o) && o.cast<const PyExpr&>().ctx != s.ctx) return py::bool_(true);
            Expr e;
            if (!to_expr(s.ctx, o, e)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
            return py::bool_(!(e == s.e));
        })
        .def("__hash__", [](const PyExpr& s) -> py::ssize_t {
            // A number equals the Python number of its value (parse("2") == 2), so it hashes alike.
            if (s.e.is_number()) return py::hash(py::float_(s.e.number().value()));
            return static_cast<py::ssize_t>(std::hash<const void*>{}(s.ctx.get()) * 31 + std::hash<NodeId>{}(s.e.id()));
        })
        .def("__float__", [](const PyExpr& s) { return evaluate(s.e, {}); })

        .def_property_readonly("op", [](const PyExpr& s) { return std::string(op_name(s.e.op())); },
                               "The node's kind as ops.def spells it: num, sym, add, mul, pow, sin, ...")
        .def_property_readonly("args", [](const PyExpr& s) {
            py::tuple out(s.e.size());
            for (std::size_t i = 0; i < s.e.size(); ++i) out[i] = wrap(s.ctx, s.e[i]);
            return out;
        }, "The children in canonical order (a - b is a + (-1)*b, a/b is a*b^-1).")
        .def_property_readonly("name", [](const PyExpr& s) -> py::object {
            return s.e.is_symbol() ? py::object(py::str(s.e.name())) : py::object(py::none());
        }, "The name of a symbol, else None.")
        .def_property_readonly("is_symbol", [](const PyExpr& s) { return s.e.is_symbol(); })
        .def_property_readonly("is_number", [](const PyExpr& s) { return s.e.is_number(); })
        .def_property_readonly("is_list", [](const PyExpr& s) { return s.e.is(Op::List); })
        .def_property_readonly("variables", [](const PyExpr& s) { return wrap_all(s.ctx, variables_of(s), false); },
                               "The free variables in natural order, as the symdiff program orders them: first "
                               "appearance, with x1, x2, ..., x10 together where the first of them appears (in the "
                               "text for an Expr from parse(), else in the text str() prints). The "
                               "default wrt of every derivative, kernel and optimiser.")
        .def_property_readonly("context", [](const PyExpr& s) { return PyContext{s.ctx}; })
        .def_property_readonly("dag_size", [](const PyExpr& s) { return dag_size(s.e); },
                               "Distinct nodes reachable from this expression.")

        .def("diff", &derivative, py::arg("order") = 1, py::arg("simplify") = true,
             "diff(*vars, order=1, simplify=True): the derivative by vars in turn (by the only variable "
             "when none is named), simplified as the CLI prints it.")
        .def("grad", [](const PyExpr& s, py::handle wrt, bool simplified) {
            return wrap_all(s.ctx, gradient(s.e, variables_arg(s, wrt)), simplified);
        }, py::arg("wrt") = py::none(), py::arg("simplify") = true,
             "The gradient as a list of expressions, by wrt (default: f.variables).")
        .def("hessian", [](const PyExpr& s, py::handle wrt, bool simplified) {
            return wrap_matrix(s.ctx, hessian(s.e, variables_arg(s, wrt)), simplified);
        }, py::arg("wrt") = py::none(), py::arg("simplify") = true, "The Hessian as a list of rows.")
        .def("jacobian", [](const PyExpr& s, py::handle wrt, bool simplified) {
            return wrap_matrix(s.ctx, jacobian(s.e, variables_arg(s, wrt)), simplified);
        }, py::arg("wrt") = py::none(), py::arg("simplify") = true,
             "The Jacobian of a list expression (a scalar is one row), as a list of rows.")
        .def("steps", [](const PyExpr& s, py::handle wrt, const std::string& format) {
            const Expr x = wrt.is_none() ? only_variable(s) : expect_symbol(s.ctx, wrt);
            std::string text = render_steps(derive_steps(s.e, x), format_arg(format));
            while (!text.empty() && text.back() == '\n') text.pop_back();
            return text;
        }, py::arg("wrt") = py::none(), py::arg("format") = "text",
             "The derivation of the derivative, one named rule per step, as `symdiff diff --steps` prints it.")
        .def("simplify", [](const PyExpr& s) { return wrap(s.ctx, simplify(s.e)); },
             "The simplified form (the same expression when no rule applies).")
        .def("subs", [](const PyExpr& s, py::handle mapping, py::kwargs kwargs) {
            std::vector<std::pair<Expr, Expr>> pairs;
            auto add = [&](py::handle key, py::handle value) {
                Expr k;
                if (py::isinstance<py::str>(key)) k = expect_symbol(s.ctx, key);
                else k = expect_expr(s.ctx, key, "what is replaced");
                pairs.emplace_back(k, expect_expr(s.ctx, value, "a replacement"));
            };
            if (!mapping.is_none())
                for (auto item : py::dict(py::reinterpret_borrow<py::object>(mapping))) add(item.first, item.second);
            for (auto item : kwargs) add(item.first, item.second);
            return wrap(s.ctx, substitute(s.e, pairs));
        }, py::arg("mapping") = py::none(),
             "The expression with subexpressions replaced, all at once: f.subs({x: 2*y}) or f.subs(x=1).")
        .def("evaluate", [](const PyExpr& s, py::handle mapping, py::handle data, py::kwargs kwargs) {
            return evaluate_any(s, mapping, kwargs, data);
        }, py::arg("at") = py::none(), py::arg("data") = py::none(),
             "The value (IEEE doubles, the reference interpreter's semantics) at a point given as a dict "
             "or keywords: f.evaluate(x=1, y=2) or f.evaluate({x: 1, 'y': 2}). A list gives a list. With sums "
             "and vectors, a vector's value is a sequence or array (x=[1, 2, 3]; the size n of sum(i = 1..n, ...) "
             "is inferred from it), and data= (a dict of columns or a DataFrame) gives the rows of sum(...) and "
             "mean(...).")
        .def("__call__", [](const PyExpr& s, py::handle mapping, py::handle data, py::kwargs kwargs) {
            return evaluate_any(s, mapping, kwargs, data);
        }, py::arg("at") = py::none(), py::arg("data") = py::none(), "f(x=1, y=2): the same as f.evaluate(...).");
}

} // namespace symdiff::python
