// Shared by the translation units of the extension module symdiff._symdiff.
//
// Lifetime: every node lives in a Context. A Python Expr holds a shared_ptr to its Context
// with the node id, so the Context lives as long as any expression, kernel or result that
// refers to it. Expressions made without an explicit Context share one process-wide Context
// (made on first use and never destroyed, so no Python object can outlive it at exit); a
// symdiff.Context() gives a private one whose nodes are freed with its last expression.
//
// Threads: a Context serialises the making of nodes with its own mutex and reads without
// locks (expr.hpp), so symbolic work needs nothing more than the GIL pybind11 holds anyway.
// Kernels and optimisers release the GIL while they run native code.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/parse.hpp"

namespace symdiff::python {

namespace py = pybind11;

using ContextPtr = std::shared_ptr<Context>;

/// The process-wide Context of expressions made without one.
const ContextPtr& default_context();

/// A Python symdiff.Context: a handle on a shared Context.
struct PyContext {
    ContextPtr ctx;
};

/// A Python symdiff.Expr.
struct PyExpr {
    ContextPtr ctx;
    Expr e;
    /// The variables of the text e was parsed from (Parsed::variables), for an Expr that
    /// parse() returned; null for one built otherwise, whose order natural_variables() gives.
    /// Both orders are the library's one rule (parse.hpp), applied to the text or the tree.
    std::shared_ptr<const std::vector<Expr>> order;
};

/// Thrown for parse errors so that the translator raises symdiff.ParseError.
class ParseFailure : public Error {
public:
    explicit ParseFailure(const Error& e) : Error(e.diagnostic()) {}
};

/// Python `x` as an expression of ctx: an Expr of the same Context, an int, a float (or
/// anything with __index__ or __float__). Returns false when x is none of these; throws
/// symdiff::Error for an Expr of another Context.
bool to_expr(const ContextPtr& ctx, py::handle x, Expr& out);
/// As to_expr, raising TypeError naming `what` when x is not an expression or a number.
Expr expect_expr(const ContextPtr& ctx, py::handle x, const char* what);
/// The Context of the first Expr among args, else the default one.
ContextPtr context_of(py::args args);

/// A symbol given as an Expr symbol or a name.
Expr expect_symbol(const ContextPtr& ctx, py::handle x);
/// Variables from None (the expression's variables in natural order, natural_variables()),
/// a string of names ("x y" or "x, y"), one symbol, or a sequence of names and symbols.
std::vector<Expr> variables_arg(const ContextPtr& ctx, Expr f, py::handle wrt);
/// As above, where None gives variables_of(f).
std::vector<Expr> variables_arg(const PyExpr& f, py::handle wrt);
/// The default variables of f: its text's order if parse() made it, else natural_variables().
std::vector<Expr> variables_of(const PyExpr& f);

py::object wrap(const ContextPtr& ctx, Expr e);

/// A value of the default point form: a float for a scalar, a list (of lists) for a list.
py::object evaluate_object(Expr e, const std::unordered_map<std::string, double>& at);

void bind_expressions(py::module_& m);
void bind_kernels(py::module_& m);
void bind_optimize(py::module_& m);
void bind_plot(py::module_& m);

} // namespace symdiff::python
