// The extension module symdiff._symdiff: exceptions, conversions and the module itself.
// python/symdiff/__init__.py is the public face; this file is what it imports.
#include <algorithm>
#include <cctype>
#include <string>

#include "common.hpp"
#include "symdiff/eval.hpp"

namespace symdiff::python {

const ContextPtr& default_context() {
    // Never destroyed: expressions held by Python (module globals among them) may be released
    // after any C++ static destructor has run.
    static const ContextPtr* ctx = new ContextPtr(std::make_shared<Context>());
    return *ctx;
}

namespace {

PyObject* error_type = nullptr;
PyObject* parse_error_type = nullptr;

/// Raises `type` with the message and, for a positioned diagnostic, the source line and the
/// caret under it, as the CLI prints them (without its "error: " prefix).
void raise_diagnostic(PyObject* type, const Diagnostic& d) {
    std::string text = d.message;
    std::string caret;
    if (d.has_position()) {
        caret = std::string(d.caret_column - 1, ' ') + "^" + std::string(d.length > 1 ? d.length - 1 : 0, '~');
        text += "\n  " + d.source_line + "\n  " + caret;
    }
    py::object exc = py::reinterpret_borrow<py::object>(type)(text);
    exc.attr("message") = d.message;
    if (d.has_position()) {
        exc.attr("offset") = d.offset;
        exc.attr("line") = d.line;
        exc.attr("column") = d.column;
        exc.attr("length") = d.length;
        exc.attr("source_line") = d.source_line;
        exc.attr("caret") = caret;
    } else {
        for (const char* name : {"offset", "line", "column", "length", "source_line", "caret"})
            exc.attr(name) = py::none();
    }
    PyErr_SetObject(type, exc.ptr());
}

} // namespace

std::vector<Expr> variables_of(const PyExpr& f) {
    // The text's order when f came from parse() and still has exactly those variables.
    if (f.order) return *f.order;
    return natural_variables(f.e);
}

py::object wrap(const ContextPtr& ctx, Expr e) { return py::cast(PyExpr{ctx, e, nullptr}); }

bool to_expr(const ContextPtr& ctx, py::handle x, Expr& out) {
    if (py::isinstance<PyExpr>(x)) {
        const PyExpr& p = x.cast<const PyExpr&>();
        if (p.ctx != ctx) throw Error("cannot combine expressions of different symdiff.Context objects");
        out = p.e;
        return true;
    }
    if (PyBool_Check(x.ptr())) return false;
    if (PyLong_Check(x.ptr()) || (!PyFloat_Check(x.ptr()) && PyIndex_Check(x.ptr()))) {
        int overflow = 0;
        py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(x.ptr()));
        if (!index) throw py::error_already_set();
        const long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
        if (overflow != 0) {
            // Beyond 64 bits: the correctly rounded double, as the parser reads such literals.
            const double d = PyLong_AsDouble(index.ptr());
            if (d == -1.0 && PyErr_Occurred()) throw py::error_already_set();
            out = ctx->real(d);
        } else {
            out = ctx->integer(v);
        }
        return true;
    }
    if (PyFloat_Check(x.ptr()) || py::hasattr(x, "__float__")) {
        const double d = PyFloat_AsDouble(x.ptr());
        if (d == -1.0 && PyErr_Occurred()) throw py::error_already_set();
        out = ctx->real(d);
        return true;
    }
    return false;
}

Expr expect_expr(const ContextPtr& ctx, py::handle x, const char* what) {
    Expr e;
    if (!to_expr(ctx, x, e))
        throw py::type_error(std::string(what) + " must be a symdiff.Expr or a number, not " +
                             std::string(py::str(py::type::handle_of(x).attr("__name__"))));
    return e;
}

ContextPtr context_of(py::args args) {
    for (py::handle a : args)
        if (py::isinstance<PyExpr>(a)) return a.cast<const PyExpr&>().ctx;
    return default_context();
}

Expr expect_symbol(const ContextPtr& ctx, py::handle x) {
    if (py::isinstance<py::str>(x)) {
        std::string name = x.cast<std::string>();
        if (name.empty()) throw Error("a variable name cannot be empty");
        return ctx->symbol(name);
    }
    Expr e;
    if (!to_expr(ctx, x, e) || !e.is_symbol())
        throw py::type_error("a variable must be a symbol (symdiff.symbols('x')) or a name, not " +
                             std::string(py::str(py::repr(x))));
    return e;
}

std::vector<Expr> variables_arg(const PyExpr& f, py::handle wrt) {
    return wrt.is_none() ? variables_of(f) : variables_arg(f.ctx, f.e, wrt);
}

std::vector<Expr> variables_arg(const ContextPtr& ctx, Expr f, py::handle wrt) {
    std::vector<Expr> out;
    if (wrt.is_none()) return natural_variables(f);
    if (py::isinstance<py::str>(wrt)) {
        std::string text = wrt.cast<std::string>();
        std::replace(text.begin(), text.end(), ',', ' ');
        std::size_t i = 0;
        while (i < text.size()) {
            while (i < text.size() && text[i] == ' ') ++i;
            std::size_t j = i;
            while (j < text.size() && text[j] != ' ') ++j;
            if (j > i) out.push_back(ctx->symbol(text.substr(i, j - i)));
            i = j;
        }
        return out;
    }
    if (py::isinstance<PyExpr>(wrt)) return {expect_symbol(ctx, wrt)};
    for (py::handle item : py::iter(wrt)) out.push_back(expect_symbol(ctx, item));
    return out;
}

PYBIND11_MODULE(_symdiff, m) {
    m.doc() = "The native part of symdiff; import symdiff instead.";

    error_type = PyErr_NewExceptionWithDoc(
        "symdiff.Error",
        "An error in an expression or a request symdiff cannot carry out.\n\n"
        "Attributes: message (without position), and for errors in a text: offset (byte), line,\n"
        "column (1-based, in code points), length, source_line and caret (the ^~~ line under\n"
        "source_line); they are None when the error has no position. str() shows all of it.",
        PyExc_ValueError, nullptr);
    parse_error_type = PyErr_NewExceptionWithDoc(
        "symdiff.ParseError", "An expression text that does not parse; see symdiff.Error for the attributes.",
        error_type, nullptr);
    m.attr("Error") = py::handle(error_type);
    m.attr("ParseError") = py::handle(parse_error_type);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const ParseFailure& e) {
            raise_diagnostic(parse_error_type, e.diagnostic());
        } catch (const Error& e) {
            raise_diagnostic(error_type, e.diagnostic());
        }
    });

    bind_expressions(m);
    bind_kernels(m);
    bind_optimize(m);
    bind_plot(m);
}

} // namespace symdiff::python
