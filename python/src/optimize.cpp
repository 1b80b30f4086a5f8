// minimize and fit: the library's Objective and Loss runs, with their history as NumPy arrays
// and Ctrl-C stopping them where they are. python/symdiff/__init__.py turns the dictionaries
// returned here into result objects.
#include <pybind11/numpy.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "common.hpp"
#include "interrupt.hpp"
#include "symdiff/engine.hpp"
#include "symdiff/optimize.hpp"

namespace symdiff::python {

namespace {

volatile std::sig_atomic_t interrupt_flag = 0;
std::atomic<int> installed_scopes{0};

extern "C" void on_sigint(int) { interrupt_flag = 1; }

using Array = py::array_t<double, py::array::forcecast>;

py::array_t<double> to_array(const std::vector<double>& v, std::size_t rows, std::size_t cols) {
    py::array_t<double> a(cols == 0 ? std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows)}
                                    : std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
    if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(double));
    return a;
}

Backend backend_arg(const std::string& name) {
    if (name == "jit") return Backend::Jit;
    if (name == "interp") return Backend::Interpreter;
    throw Error(fmt::format("unknown backend '{}': use jit or interp", name));
}

/// The optimiser's options from the keyword arguments minimize and fit share.
Options options_arg(const std::string& method, double lr, py::kwargs kw) {
    Options o;
    auto m = method_from_name(method);
    if (!m) throw Error(fmt::format("unknown method '{}': use gd, momentum, nesterov, adam, rmsprop, lbfgs or newton", method));
    o.method = *m;
    o.lr = lr;
    for (auto item : kw) {
        const std::string key = item.first.cast<std::string>();
        py::handle v = item.second;
        if (key == "momentum") o.momentum = v.cast<double>();
        else if (key == "beta1") o.beta1 = v.cast<double>();
        else if (key == "beta2") o.beta2 = v.cast<double>();
        else if (key == "rho") o.rho = v.cast<double>();
        else if (key == "epsilon") o.epsilon = v.cast<double>();
        else if (key == "f_tol") o.f_tol = v.cast<double>();
        else if (key == "lbfgs_memory") o.lbfgs_memory = v.cast<std::size_t>();
        else if (key == "momentum_form") {
            auto f = momentum_form_from_name(v.cast<std::string>());
            if (!f) throw Error(fmt::format("unknown momentum form '{}'", v.cast<std::string>()));
            o.momentum_form = *f;
        } else if (key == "schedule") {
            auto s = Schedule::parse(v.cast<std::string>());
            if (!s) throw Error(fmt::format("unknown schedule '{}': use constant, step:GAMMA:EVERY, exp:GAMMA or inv:GAMMA",
                                            v.cast<std::string>()));
            o.schedule = *s;
        } else {
            throw py::type_error(fmt::format("unexpected keyword argument '{}'", key));
        }
    }
    return o;
}

void put_report(py::dict& d, const Report& r, const Assessment& a) {
    d["method"] = std::string(method_name(r.method));
    d["start"] = to_array(r.start, r.start.size(), 0);
    d["x"] = to_array(r.x, r.x.size(), 0);
    d["f_start"] = r.f_start;
    d["grad_norm_start"] = r.grad_norm_start;
    d["value"] = r.f;
    d["grad_norm"] = r.grad_norm;
    d["steps"] = r.steps;
    d["evaluations"] = r.evaluations;
    d["reason"] = std::string(stop_reason_name(r.reason));
    d["message"] = r.message;
    d["seconds"] = r.seconds;
    d["verdict"] = std::string(verdict_name(a.verdict));
    d["point"] = a.point ? py::object(py::str(describe_curvature(*a.point))) : py::object(py::none());
    d["interrupted"] = r.reason == StopReason::Interrupted;
}

/// What a Loss is made of, from Python's arguments: the data columns (kept alive here, since
/// a ColumnView does not copy), the scalar and vector parameters and their start.
struct LossParts {
    ContextPtr ctx;
    Expr e;
    std::vector<Array> arrays;
    std::vector<ColumnView> columns;
    std::vector<Expr> scalars;
    std::vector<VectorParameter> vecs;
    std::vector<double> start;

    /// The Loss's inputs by role; they point into this object, which must outlive the Loss.
    LossInputs inputs() const { return LossInputs{.scalars = scalars, .vectors = vecs, .columns = columns}; }

    LossParts(py::handle f, py::dict data, py::handle params, py::dict init) {
        ctx = context_of(py::make_tuple(f));
        e = expect_expr(ctx, f, "loss");
        for (auto item : data) {
            Array a = Array::ensure(item.second);
            if (!a || a.ndim() != 1 || !(a.flags() & py::array::c_style))
                throw Error(fmt::format("data column '{}' must be a one-dimensional array of numbers",
                                        py::str(item.first).cast<std::string>()));
            columns.push_back(ColumnView{py::str(item.first).cast<std::string>(),
                                         std::span<const double>(a.data(), static_cast<std::size_t>(a.size()))});
            arrays.push_back(std::move(a));
        }
        auto is_column = [&](Expr v) {
            for (const ColumnView& c : columns)
                if (c.name == v.name()) return true;
            return false;
        };
        const std::vector<Expr> sizes = size_symbols(e);
        auto contains = [](const std::vector<Expr>& v, Expr x) { return std::find(v.begin(), v.end(), x) != v.end(); };
        std::vector<Expr> names;
        if (params.is_none()) {
            for (Expr v : natural_variables(e))
                if (!is_column(v) && !contains(sizes, v)) names.push_back(v);
        } else {
            names = variables_arg(ctx, e, params);
        }
        // The start values as the CLI's --init gives them; the library splits the parameters
        // into numbers and vectors (x of x[i]) and orders the flat point.
        std::vector<Assignment> given;
        for (auto item : init) {
            Assignment g;
            g.name = py::str(item.first).cast<std::string>();
            auto arr = Array::ensure(item.second);
            if (!arr) {
                PyErr_Clear();
                throw py::type_error(fmt::format("init['{}'] must be a number or a sequence of numbers", g.name));
            }
            if (arr.ndim() == 0) {
                g.value = *arr.data();
            } else {
                g.is_vector = true;
                g.elements.assign(arr.data(), arr.data() + arr.size());
            }
            given.push_back(std::move(g));
        }
        LossParameters lp = loss_parameters(e, names, given, "init");
        scalars = std::move(lp.scalars);
        vecs = std::move(lp.vectors);
        start = std::move(lp.start);
        for (auto item : init) {
            const std::string key = py::str(item.first).cast<std::string>();
            if (std::none_of(names.begin(), names.end(), [&](Expr p) { return p.name() == key; }))
                throw Error(fmt::format("init gives '{}', which is not a parameter of the fit", key));
        }
    }
};

/// A Python symdiff.Loss: the loss and its gradient over the data at any parameters.
struct PyLoss {
    std::shared_ptr<LossParts> parts;
    std::shared_ptr<const Loss> loss;
};

} // namespace

InterruptScope::InterruptScope() {
    interrupt_flag = 0;
    py::module_ threading = py::module_::import("threading");
    if (!threading.attr("current_thread")().is(threading.attr("main_thread")())) return;
    py::module_ signal = py::module_::import("signal");
    if (!signal.attr("getsignal")(signal.attr("SIGINT")).is(signal.attr("default_int_handler"))) return;
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, &previous_) != 0) return;
    installed_ = true;
    ++installed_scopes;
}

InterruptScope::~InterruptScope() {
    if (!installed_) return;
    sigaction(SIGINT, &previous_, nullptr);
    --installed_scopes;
}

const volatile std::sig_atomic_t* InterruptScope::flag() const { return installed_ ? &interrupt_flag : nullptr; }
bool InterruptScope::interrupted() const { return installed_ && interrupt_flag != 0; }
int InterruptScope::active() { return installed_scopes.load(); }

namespace {
void bind_loss(py::module_& m);
void bind_fit(py::module_& m);
} // namespace

void bind_optimize(py::module_& m) {
    m.def("_interrupt_scopes", &InterruptScope::active);

    m.def("_minimize", [](py::handle f, py::handle x0, py::handle wrt, const std::string& method, double lr,
                          std::size_t steps, double tol, std::size_t history_every, const std::string& backend,
                          py::kwargs kw) {
        const ContextPtr ctx = context_of(py::make_tuple(f));
        const Expr e = expect_expr(ctx, f, "f");
        std::vector<Expr> vars = variables_arg(ctx, e, wrt);
        if (vars.empty()) throw Error("the expression has no variables to minimise over");
        std::vector<double> start(vars.size());
        if (py::isinstance<py::dict>(x0)) {
            std::vector<bool> seen(vars.size());
            for (auto item : x0.cast<py::dict>()) {
                const Expr v = expect_symbol(ctx, item.first);
                std::size_t i = 0;
                while (i < vars.size() && !(vars[i] == v)) ++i;
                if (i == vars.size())
                    throw Error(fmt::format("x0 gives '{}', which is not a variable of the run", v.name()));
                start[i] = item.second.cast<double>();
                seen[i] = true;
            }
            for (std::size_t i = 0; i < vars.size(); ++i)
                if (!seen[i]) throw Error(fmt::format("x0 gives no value for '{}'", vars[i].name()));
        } else {
            std::vector<double> given = py::cast<std::vector<double>>(x0);
            if (given.size() != vars.size())
                throw Error(fmt::format("x0 has {} values but there are {} variables", given.size(), vars.size()));
            start = given;
        }
        Options o = options_arg(method, lr, kw);
        o.max_steps = steps;
        o.grad_tol = tol;
        o.trace_every = history_every;
        std::optional<Objective> objective;
        {
            py::gil_scoped_release release;
            objective.emplace(e, vars, backend_arg(backend));
        }
        detail::validate(start.size(), start, o);
        InterruptScope interrupt;
        o.stop = interrupt.flag();
        Report r;
        Assessment a;
        {
            py::gil_scoped_release release;
            r = objective->minimize(start, o);
            a = objective->assess(r, o);
        }
        py::dict d;
        py::list names;
        for (Expr v : vars) names.append(v.name());
        d["wrt"] = names;
        put_report(d, r, a);
        const Trace& t = r.trace;
        std::vector<double> step(t.step.begin(), t.step.end());
        py::dict h;
        h["step"] = to_array(step, step.size(), 0).attr("astype")("int64");
        h["x"] = to_array(t.x, t.size(), vars.size());
        h["f"] = to_array(t.f, t.size(), 0);
        h["grad_norm"] = to_array(t.grad_norm, t.size(), 0);
        d["history"] = h;
        return d;
    });

    bind_loss(m);
    bind_fit(m);
}

namespace {

void bind_loss(py::module_& m) {
    py::class_<PyLoss>(m, "Loss", R"doc(
A loss over data, ready to evaluate: symdiff.Loss(loss, data, params=None, init=None,
threads=1, backend="jit"), with data a dict of one-dimensional arrays or a pandas DataFrame
(columns by name; the arrays are read in place and kept alive by the Loss) and params and
init as for fit(). Calling it at the flat parameters (params in order, each vector parameter's
elements after the scalars), or with the parameters by name, returns (value, gradient) over
all rows, with the GIL released; several threads may call one Loss at once.)doc")
        .def(py::init([](py::handle f, py::handle data, py::handle params, py::handle init, std::size_t threads,
                         const std::string& backend) -> PyLoss {
            py::dict columns;
            py::module_ np = py::module_::import("numpy");
            for (py::handle item : data.attr("items")()) {
                py::tuple kv = py::reinterpret_borrow<py::tuple>(item);
                columns[py::str(kv[0])] = np.attr("ascontiguousarray")(kv[1], py::arg("dtype") = "float64");
            }
            py::dict start = init.is_none() ? py::dict() : py::dict(py::reinterpret_borrow<py::object>(init));
            auto parts = std::make_shared<LossParts>(f, columns, params, start);
            LossOptions lo;
            lo.backend = backend_arg(backend);
            lo.threads = threads;
            std::shared_ptr<const Loss> loss;
            {
                py::gil_scoped_release release;
                loss = std::make_shared<const Loss>(parts->e, parts->inputs(), lo);
            }
            return PyLoss{parts, loss};
        }), py::arg("loss"), py::arg("data"), py::arg("params") = py::none(), py::arg("init") = py::none(),
             py::arg("threads") = 1, py::arg("backend") = "jit")
        .def("__call__", [](const PyLoss& l, py::handle x, py::kwargs by_name) {
            const std::size_t dims = l.loss->dims();
            std::vector<double> point;
            if (!x.is_none()) {
                if (by_name.size()) throw py::type_error("give the parameters either as one array or by name");
                point = py::cast<std::vector<double>>(x);
                if (point.size() != dims)
                    throw Error(fmt::format("the loss has {} parameters, got {} values", dims, point.size()));
            } else {
                point = l.parts->start;
                std::size_t at = 0;
                auto place = [&](Expr p, std::size_t n) {
                    py::str key(p.name());
                    if (!by_name.contains(key)) throw py::type_error(fmt::format("missing parameter '{}'", p.name()));
                    std::vector<double> v = n == 1 && !py::isinstance<py::sequence>(by_name[key])
                                                ? std::vector<double>{by_name[key].cast<double>()}
                                                : py::cast<std::vector<double>>(by_name[key]);
                    if (v.size() != n)
                        throw Error(fmt::format("parameter '{}' has {} elements, got {}", p.name(), n, v.size()));
                    std::copy(v.begin(), v.end(), point.begin() + static_cast<std::ptrdiff_t>(at));
                    at += n;
                };
                for (Expr p : l.parts->scalars) place(p, 1);
                for (const VectorParameter& v : l.parts->vecs) place(v.symbol, v.length);
                if (by_name.size() != l.parts->scalars.size() + l.parts->vecs.size())
                    throw py::type_error("unknown parameter name among the keywords");
            }
            py::array_t<double> g(static_cast<py::ssize_t>(dims));
            std::vector<double> out(dims + 1);
            {
                py::gil_scoped_release release;
                (*l.loss)(point.data(), out.data());
            }
            std::copy(out.begin() + 1, out.end(), g.mutable_data());
            return py::make_tuple(out[0], g);
        }, py::arg("x") = py::none())
        .def_property_readonly("coordinates", [](const PyLoss& l) {
            py::list c;
            for (std::size_t i = 0; i < l.loss->dims(); ++i) c.append(l.loss->coordinate_name(i));
            return c;
        }, "The name of each coordinate of the flat parameters: m, b, w[1], ...")
        .def_property_readonly("start", [](const PyLoss& l) { return to_array(l.parts->start, l.parts->start.size(), 0); },
                               "The flat parameters from init (0 where init gives none).")
        .def_property_readonly("rows", [](const PyLoss& l) { return l.loss->rows(); })
        .def_property_readonly("dims", [](const PyLoss& l) { return l.loss->dims(); })
        .def_property_readonly("threads", [](const PyLoss& l) { return l.loss->threads(); });
}

void bind_fit(py::module_& m) {
    m.def("_fit", [](py::handle f, py::dict data, py::handle params, py::dict init, const std::string& method,
                     double lr, std::size_t epochs, std::size_t batch, std::uint64_t seed, std::size_t threads,
                     const std::string& backend, py::kwargs kw) {
        LossParts parts(f, data, params, init);
        const std::vector<Expr>& scalars = parts.scalars;
        const std::vector<VectorParameter>& vecs = parts.vecs;
        const std::vector<double>& start = parts.start;
        LossOptions lo;
        lo.backend = backend_arg(backend);
        lo.threads = threads;
        FitOptions fo;
        fo.optimiser = options_arg(method, lr, kw);
        fo.epochs = epochs;
        fo.batch = batch;
        fo.seed = seed;
        fo.record_path = true;
        std::optional<Loss> loss;
        {
            py::gil_scoped_release release;
            loss.emplace(parts.e, parts.inputs(), lo);
        }
        InterruptScope interrupt;
        fo.optimiser.stop = interrupt.flag();
        FitReport r;
        Assessment a;
        {
            py::gil_scoped_release release;
            r = loss->fit(start, fo);
            a = loss->assess(r.report, fo.optimiser);
        }
        py::dict d;
        put_report(d, r.report, a);
        py::list coords;
        for (std::size_t i = 0; i < loss->dims(); ++i) coords.append(loss->coordinate_name(i));
        d["coordinates"] = coords;
        py::list pnames;
        for (Expr p : scalars) pnames.append(p.name());
        for (const VectorParameter& v : vecs) pnames.append(v.symbol.name());
        d["params"] = pnames;
        py::list lengths;
        for (const VectorParameter& v : vecs) lengths.append(v.length);
        d["vector_lengths"] = lengths;
        d["curve"] = to_array(r.curve, r.curve.size(), 0);
        d["path"] = to_array(r.path, loss->dims() ? r.path.size() / loss->dims() : 0, loss->dims());
        d["epochs"] = r.epochs_run;
        d["batch"] = r.batch;
        d["rows"] = loss->rows();
        d["threads"] = r.threads;
        return d;
    });
}

} // namespace

} // namespace symdiff::python
