// symdiff.Kernel: f (and ∇f, the Hessian) compiled once and run over NumPy arrays.
//
// Layout: inputs broadcast together like a ufunc's to a shape S; f has shape S, the gradient
// (n, *S) and the Hessian (n, n, *S), so `f, (gx, gy) = k(X, Y)` unpacks the gradient by
// variable and every component is one contiguous array, the column the batch call writes.
#include <pybind11/numpy.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <variant>

#include <fmt/format.h>

#include "common.hpp"
#include "interrupt.hpp"
#include "symdiff/batch.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/print.hpp"

namespace symdiff::python {

namespace {

/// The engine behind a Kernel: the library's batch evaluation (batch.hpp), whose results
/// are the reference Interpreter's bit for bit with either backend.
struct Engine {
    BatchKernel batch;
    /// For calls at one point given as Python numbers: no batch set-up at all, the same bits.
    /// Null where the Interpreter has no loops to offer (a sum over an index).
    std::optional<Interpreter> point;
    /// out[k][r] = output k at point r, for r < rows.
    void run(std::size_t rows, std::span<const BatchInput> in, std::span<double* const> out,
             const volatile std::sig_atomic_t* stop) const {
        batch.run(rows, in, out, stop);
    }
};

struct PyKernel {
    ContextPtr ctx;
    Expr f;
    std::vector<Expr> wrt;
    std::size_t values = 1; ///< outputs of f itself (a list has several)
    bool grad = false, hess = false;
    std::string backend;
    std::shared_ptr<const Engine> engine;
};

using Array = py::array_t<double, py::array::forcecast>;

std::vector<py::ssize_t> broadcast_shapes(const std::vector<Array>& arrays) {
    std::vector<py::ssize_t> shape;
    for (const Array& a : arrays) {
        const auto nd = static_cast<std::size_t>(a.ndim());
        if (nd > shape.size()) shape.insert(shape.begin(), nd - shape.size(), 1);
        for (std::size_t i = 0; i < nd; ++i) {
            py::ssize_t& s = shape[shape.size() - nd + i];
            const py::ssize_t d = a.shape(static_cast<py::ssize_t>(i));
            if (d == s || d == 1) continue;
            if (s != 1) {
                std::string shapes;
                for (const Array& b : arrays) {
                    std::string t;
                    for (py::ssize_t k = 0; k < b.ndim(); ++k) t += (k ? "," : "") + std::to_string(b.shape(k));
                    shapes += (shapes.empty() ? "(" : " (") + t + (b.ndim() == 1 ? ",)" : ")");
                }
                throw py::value_error("the inputs could not be broadcast together with shapes " + shapes);
            }
            s = d;
        }
    }
    return shape;
}

/// One caller-provided output array, or nothing when the caller left it to the call.
std::optional<Array> checked_out(py::handle o, const char* which, const std::vector<py::ssize_t>& shape) {
    if (o.is_none()) return std::nullopt;
    auto shape_text = [](const std::vector<py::ssize_t>& s) {
        std::string t;
        for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
        return "(" + t + (s.size() == 1 ? ",)" : ")");
    };
    // No conversion here: a result written into a converted copy would never reach the caller.
    if (!py::isinstance<py::array>(o))
        throw py::type_error(fmt::format("{} must be a NumPy array, not {}", which, py::str(py::type::of(o).attr("__name__")).cast<std::string>()));
    auto a = py::reinterpret_borrow<py::array>(o);
    if (!a.dtype().is(py::dtype::of<double>()))
        throw py::type_error(fmt::format("{} must have dtype float64, not {}", which, py::str(a.dtype()).cast<std::string>()));
    std::vector<py::ssize_t> got(a.shape(), a.shape() + a.ndim());
    if (got != shape)
        throw py::value_error(fmt::format("{} has shape {}; this call writes shape {}", which, shape_text(got), shape_text(shape)));
    if (!(a.flags() & py::array::c_style))
        throw py::value_error(fmt::format("{} must be C-contiguous", which));
    if (!a.writeable()) throw py::value_error(fmt::format("{} is read-only", which));
    return Array(py::reinterpret_borrow<Array>(a));
}

/// The caller's out= as one entry per result (f, then the gradient, then the Hessian), each
/// None or an array; checked for structure only, the arrays once the shape is known.
std::vector<py::object> out_entries(const PyKernel& k, py::handle out) {
    const std::size_t results = 1 + (k.grad ? 1 : 0) + (k.hess ? 1 : 0);
    std::vector<py::object> entries;
    if (py::isinstance<py::tuple>(out)) {
        for (py::handle o : py::reinterpret_borrow<py::tuple>(out)) entries.push_back(py::reinterpret_borrow<py::object>(o));
    } else if (results == 1) {
        entries.push_back(py::reinterpret_borrow<py::object>(out));
    } else {
        throw py::type_error(fmt::format("out must be a tuple of {} arrays (f{}{}), one per result", results,
                                         k.grad ? ", gradient" : "", k.hess ? ", Hessian" : ""));
    }
    if (entries.size() != results)
        throw py::type_error(fmt::format("out must hold {} array{} (f{}{}), not {}", results, results == 1 ? "" : "s",
                                         k.grad ? ", gradient" : "", k.hess ? ", Hessian" : "", entries.size()));
    return entries;
}

/// True when [p, p + bytes) and [q, q + qbytes) share a byte.
bool overlaps(const double* p, std::size_t bytes, const double* q, std::size_t qbytes) {
    const auto a = reinterpret_cast<std::uintptr_t>(p), b = reinterpret_cast<std::uintptr_t>(q);
    return bytes && qbytes && a < b + qbytes && b < a + bytes;
}

py::object call_kernel(const PyKernel& k, py::args args, py::kwargs kwargs) {
    const std::size_t n = k.wrt.size();
    // `out` is the output argument, as a ufunc's; a variable named out goes positionally.
    py::object out_arg = py::none();
    if (kwargs.contains("out")) {
        out_arg = kwargs["out"];
        PyDict_DelItemString(kwargs.ptr(), "out");
    }
    const std::vector<py::object> outs = out_arg.is_none() ? std::vector<py::object>{} : out_entries(k, out_arg);
    std::vector<py::object> given(n);
    if (args.size() > n)
        throw py::type_error(fmt::format("the kernel takes {} inputs ({} given)", n, args.size()));
    for (std::size_t i = 0; i < args.size(); ++i) given[i] = args[i];
    for (auto item : kwargs) {
        const std::string name = item.first.cast<std::string>();
        std::size_t i = 0;
        while (i < n && k.wrt[i].name() != name) ++i;
        if (i == n) throw py::type_error(fmt::format("the kernel has no input named '{}'", name));
        if (given[i]) throw py::type_error(fmt::format("input '{}' is given twice", name));
        given[i] = py::reinterpret_borrow<py::object>(item.second);
    }
    for (std::size_t i = 0; i < n; ++i)
        if (!given[i]) throw py::type_error(fmt::format("missing input '{}'", k.wrt[i].name()));
    // All Python floats or ints: no arrays to make for the inputs (a tenth of a scalar call).
    if (outs.empty() && k.engine->point && std::all_of(given.begin(), given.end(), [](const py::object& o) {
            return PyFloat_CheckExact(o.ptr()) || PyLong_CheckExact(o.ptr());
        })) {
        std::vector<double> in(n);
        for (std::size_t i = 0; i < n; ++i) in[i] = given[i].cast<double>();
        std::vector<double> values(k.engine->point->outputs());
        k.engine->point->run(in.data(), values.data());
        auto array = [&](std::size_t first, std::vector<py::ssize_t> shape) {
            py::array_t<double> a(shape);
            std::copy(values.begin() + static_cast<std::ptrdiff_t>(first),
                      values.begin() + static_cast<std::ptrdiff_t>(first + static_cast<std::size_t>(a.size())),
                      a.mutable_data());
            return a;
        };
        const auto sn = static_cast<py::ssize_t>(n);
        py::object fo = k.f.is(Op::List) ? py::object(array(0, {static_cast<py::ssize_t>(k.values)}))
                                         : py::object(py::float_(values[0]));
        if (!k.grad && !k.hess) return fo;
        py::list parts;
        parts.append(fo);
        if (k.grad) parts.append(array(k.values, {sn}));
        if (k.hess) parts.append(array(k.values + (k.grad ? n : 0), {sn, sn}));
        return py::tuple(parts);
    }
    std::vector<Array> arrays;
    for (std::size_t i = 0; i < n; ++i) {
        arrays.push_back(Array::ensure(given[i]));
        if (!arrays.back()) {
            PyErr_Clear();
            throw py::type_error(fmt::format("input '{}' is not a number or an array of numbers", k.wrt[i].name()));
        }
    }
    const std::vector<py::ssize_t> shape = broadcast_shapes(arrays);
    std::size_t rows = 1;
    for (py::ssize_t s : shape) rows *= static_cast<std::size_t>(s);

    // Inputs of the full shape and C order are read in place; a scalar is broadcast as a
    // value; anything else (strided, or broadcast along some axes) is copied once.
    std::vector<BatchInput> columns(n);
    std::vector<py::object> keep;
    std::vector<bool> in_place(n, false);
    for (std::size_t i = 0; i < n; ++i) {
        Array& a = arrays[i];
        if (a.size() == 1) {
            columns[i] = BatchInput::broadcast(*a.data());
            continue;
        }
        bool same_shape = static_cast<std::size_t>(a.ndim()) == shape.size();
        for (std::size_t d = 0; same_shape && d < shape.size(); ++d) same_shape = a.shape(static_cast<py::ssize_t>(d)) == shape[d];
        if (!same_shape || !(a.flags() & py::array::c_style)) {
            py::module_ np = py::module_::import("numpy");
            Array c = Array::ensure(np.attr("ascontiguousarray")(np.attr("broadcast_to")(a, py::tuple(py::cast(shape)))));
            keep.push_back(c);
            columns[i] = BatchInput::column(c.data());
        } else {
            columns[i] = BatchInput::column(a.data());
            in_place[i] = true;
        }
    }

    std::vector<py::ssize_t> fshape = shape;
    if (k.values > 1 || k.f.is(Op::List)) fshape.insert(fshape.begin(), static_cast<py::ssize_t>(k.values));
    std::vector<py::ssize_t> gshape = shape, hshape = shape;
    gshape.insert(gshape.begin(), static_cast<py::ssize_t>(n));
    hshape.insert(hshape.begin(), {static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(n)});
    std::optional<Array> fvals, gvals, hvals;
    if (!outs.empty()) {
        static const char* const which[] = {"out[0]", "out[1]", "out[2]"};
        const std::size_t gi = 1, hi = k.grad ? 2 : 1;
        fvals = checked_out(outs[0], which[0], fshape);
        if (k.grad) gvals = checked_out(outs[gi], which[gi], gshape);
        if (k.hess) hvals = checked_out(outs[hi], which[hi], hshape);
        // The kernel reads a block of points before it writes them: an output over an input
        // read in place (or over another output) would be read after it was written.
        std::vector<std::pair<const Array*, const char*>> written;
        if (fvals) written.emplace_back(&*fvals, which[0]);
        if (gvals) written.emplace_back(&*gvals, which[gi]);
        if (hvals) written.emplace_back(&*hvals, which[hi]);
        for (std::size_t w = 0; w < written.size(); ++w) {
            const auto bytes = static_cast<std::size_t>(written[w].first->nbytes());
            for (std::size_t i = 0; i < n; ++i)
                if (in_place[i] && overlaps(written[w].first->data(), bytes, arrays[i].data(), static_cast<std::size_t>(arrays[i].nbytes())))
                    throw py::value_error(fmt::format("{} shares memory with input '{}'", written[w].second, k.wrt[i].name()));
            for (std::size_t v = 0; v < w; ++v)
                if (overlaps(written[w].first->data(), bytes, written[v].first->data(), static_cast<std::size_t>(written[v].first->nbytes())))
                    throw py::value_error(fmt::format("{} shares memory with {}", written[w].second, written[v].second));
        }
    }
    if (!fvals) fvals.emplace(fshape);
    if (k.grad && !gvals) gvals.emplace(gshape);
    if (k.hess && !hvals) hvals.emplace(hshape);
    std::vector<double*> out;
    for (std::size_t j = 0; j < k.values; ++j) out.push_back(fvals->mutable_data() + j * rows);
    if (k.grad)
        for (std::size_t j = 0; j < n; ++j) out.push_back(gvals->mutable_data() + j * rows);
    if (k.hess)
        for (std::size_t j = 0; j < n * n; ++j) out.push_back(hvals->mutable_data() + j * rows);
    {
        // A long run stops on Ctrl-C; a short one does not pay for the handler.
        std::optional<InterruptScope> interrupt;
        if (rows >= InterruptScope::kMinRows) interrupt.emplace();
        const volatile std::sig_atomic_t* stop = interrupt ? interrupt->flag() : nullptr;
        std::shared_ptr<const Engine> engine = k.engine;
        bool interrupted = false;
        {
            py::gil_scoped_release release;
            try {
                engine->run(rows, columns, out, stop);
            } catch (const Error&) {
                if (!(stop && *stop)) throw;
                interrupted = true;
            }
        }
        if (interrupted) {
            PyErr_SetNone(PyExc_KeyboardInterrupt);
            throw py::error_already_set();
        }
    }

    // A caller's 0-d out array comes back as itself, as a ufunc's does.
    const bool f_given = !outs.empty() && !outs[0].is_none();
    py::object fo = fvals->ndim() == 0 && !f_given ? py::object(py::float_(*fvals->data())) : py::object(std::move(*fvals));
    if (!k.grad && !k.hess) return fo;
    py::list parts;
    parts.append(fo);
    if (k.grad) parts.append(std::move(*gvals));
    if (k.hess) parts.append(std::move(*hvals));
    return py::tuple(parts);
}

PyKernel make_kernel(const PyExpr& f, py::handle wrt, bool grad, bool hess, const std::string& backend, int opt_level,
                     unsigned threads) {
    PyKernel k;
    k.ctx = f.ctx;
    k.f = f.e;
    k.wrt = variables_arg(f, wrt);
    k.grad = grad;
    k.hess = hess;
    k.backend = backend;
    std::vector<Expr> outputs;
    if (f.e.is(Op::List)) {
        if (grad || hess)
            throw Error("the gradient and the Hessian are of a scalar function; compile a list with grad=False");
        for (std::size_t i = 0; i < f.e.size(); ++i) outputs.push_back(f.e[i]);
    } else {
        outputs.push_back(f.e);
    }
    k.values = outputs.size();
    if (grad)
        for (Expr g : gradient(f.e, k.wrt)) outputs.push_back(g);
    if (hess)
        for (const auto& row : hessian(f.e, k.wrt)) outputs.insert(outputs.end(), row.begin(), row.end());
    BatchOptions o;
    if (backend == "jit") o.backend = BatchBackend::Jit;
    else if (backend == "interp") o.backend = BatchBackend::Interpreter;
    else throw Error(fmt::format("unknown backend '{}': use jit or interp", backend));
    o.jit.opt_level = opt_level;
    o.threads = threads;
    py::gil_scoped_release release;
    std::optional<Interpreter> point;
    try {
        point.emplace(outputs, k.wrt);
    } catch (const Error&) {
        // The batch kernel evaluates what the plain Interpreter refuses (sums over an index).
    }
    k.engine = std::make_shared<const Engine>(Engine{BatchKernel(outputs, k.wrt, o), std::move(point)});
    return k;
}

} // namespace

void bind_kernels(py::module_& m) {
    py::class_<PyKernel>(m, "Kernel", R"doc(
A compiled function of the variables `wrt`: call it with one scalar or array per variable
(positionally in wrt order, or by name). Inputs broadcast like a NumPy ufunc's and are read as
float64 (in place when contiguous float64). It returns f, and with grad=True a tuple
(f, g) where g[i] is ∂f/∂wrt[i] (shape (n, *shape)), with hessian=True also H of shape
(n, n, *shape). Scalar inputs give a float f. Calls release the GIL, and one kernel may be
called from several threads at once.

out=: arrays to write the results into instead of new ones, as a ufunc's out: a tuple with
one entry per result, (f, g) or (f, g, H) (an array alone when f is the only result), each
a C-contiguous, writeable float64 array of the result's shape, or None for a new one. The
call returns those arrays. Reusing them saves touching fresh memory on every call. An out
array may not share memory with an input or another out array. A variable named `out` is
then given positionally.)doc")
        .def("__call__", &call_kernel)
        .def_property_readonly("wrt", [](const PyKernel& k) {
            py::tuple t(k.wrt.size());
            for (std::size_t i = 0; i < k.wrt.size(); ++i) t[i] = k.wrt[i].name();
            return t;
        }, "The names of the inputs, in order.")
        .def_property_readonly("expr", [](const PyKernel& k) { return wrap(k.ctx, k.f); })
        .def_property_readonly("grad", [](const PyKernel& k) { return k.grad; })
        .def_property_readonly("hessian", [](const PyKernel& k) { return k.hess; })
        .def_property_readonly("backend", [](const PyKernel& k) { return k.backend; })
        .def("__repr__", [](const PyKernel& k) {
            std::string names;
            for (Expr v : k.wrt) names += (names.empty() ? "" : ", ") + v.name();
            return fmt::format("<symdiff.Kernel {} of ({}){}{} [{}]>", to_string(k.f), names,
                               k.grad ? " with gradient" : "", k.hess ? " with Hessian" : "", k.backend);
        });

    m.def("compile", [](py::handle f, py::handle wrt, bool grad, bool hess, const std::string& backend, int opt_level,
                        unsigned threads) {
        const ContextPtr ctx = context_of(py::make_tuple(f));
        // An Expr keeps its parse order; a number becomes a constant.
        const PyExpr e = py::isinstance<PyExpr>(f) ? f.cast<PyExpr>() : PyExpr{ctx, expect_expr(ctx, f, "f"), nullptr};
        return make_kernel(e, wrt, grad, hess, backend, opt_level, threads);
    }, py::arg("f"), py::arg("wrt") = py::none(), py::arg("grad") = true, py::arg("hessian") = false,
          py::arg("backend") = "jit", py::arg("opt_level") = 2, py::arg("threads") = 1, R"doc(
Compiles f (and its gradient, and its Hessian) over the variables wrt (default: f.variables) into a Kernel. backend="jit" makes native code with LLVM; backend="interp"
runs the reference interpreter, with the same numbers bit for bit. Both evaluate f and its
derivatives in one fused loop over the points (symdiff/batch.hpp). threads: workers that share
the points of one call (1: the calling thread; 0: every core); the numbers do not depend on it.)doc");
}

} // namespace symdiff::python
