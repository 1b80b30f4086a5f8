/// \file The symbolic gradient against central differences (gradient_check.hpp).
#include "symdiff/gradient_check.hpp"

#include "symdiff/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <unordered_set>

namespace symdiff {

double relative_error(double symbolic, double numeric) {
    const double err = std::fabs(symbolic - numeric) / std::max(std::fabs(symbolic) + std::fabs(numeric), 1e-10);
    return std::isnan(err) ? INFINITY : err;
}

namespace {

double step_at(double x) { return kCheckStep * std::max(1.0, std::fabs(x)); }

GradientCheck with_worst(std::vector<CheckRow> rows) {
    GradientCheck c;
    c.rows = std::move(rows);
    for (const CheckRow& r : c.rows) c.worst = std::max(c.worst, r.error);
    return c;
}

} // namespace

// The gradient by one kernel call and f at x ± h·e_i by another kernel, the JIT's or the
// Interpreter's (bit for bit the numbers of evaluate() on the same points). f is called twice
// per variable: at a hundred variables and more of a flat sum the JIT pays (engine.cpp).
GradientCheck check_gradient(Expr f, std::span<const Expr> wrt, std::span<const Assignment> at, EvalBackend backend,
                             std::string_view source) {
    require_bound(f, at, source);
    auto value_of = [&](Expr v) -> const Assignment* {
        for (const Assignment& a : at)
            if (a.name == v.name() && !a.is_vector) return &a;
        return nullptr;
    };
    for (Expr v : wrt)
        if (!value_of(v))
            throw Error(fmt::format("unknown variable '{}': give its value with --at {}=...", v.name(), v.name()));
    // Each name once (the JIT takes no repeated input): the wrt variables, then f's others.
    std::vector<Expr> inputs;
    std::vector<std::size_t> slot;
    for (Expr v : wrt) {
        auto it = std::find(inputs.begin(), inputs.end(), v);
        slot.push_back(static_cast<std::size_t>(it - inputs.begin()));
        if (it == inputs.end()) inputs.push_back(v);
    }
    std::unordered_set<std::string> seen;
    for (Expr v : inputs) seen.insert(v.name());
    for (Expr v : free_symbols(f))
        if (seen.insert(v.name()).second) inputs.push_back(v);
    std::vector<double> x;
    for (Expr v : inputs) x.push_back(value_of(v)->value);

    const std::vector<Expr> g = gradient(f, wrt);
    std::vector<double> symbolic(g.size());
    std::optional<PointKernel> kernel;
    std::function<void(const double*, double*)> value;
    if (uses_loops(f)) {
        // A sum over a constant range (sum(i = 1..3, x^i)) is no point kernel: evaluate() runs
        // it by the loop interpreter.
        auto bound = [&](const double* point) {
            Bindings b;
            for (std::size_t i = 0; i < inputs.size(); ++i) b[inputs[i].name()] = point[i];
            return b;
        };
        for (std::size_t i = 0; i < g.size(); ++i) symbolic[i] = evaluate(g[i], bound(x.data()));
        value = [&](const double* point, double* out) { *out = evaluate(f, bound(point)); };
    } else {
        PointKernel(g, inputs, backend, 1)(x.data(), symbolic.data());
        const Expr fs[] = {f};
        kernel.emplace(fs, inputs, backend, 2 * static_cast<double>(wrt.size()));
        value = [&](const double* point, double* out) { (*kernel)(point, out); };
    }
    std::vector<CheckRow> rows;
    for (std::size_t i = 0; i < wrt.size(); ++i) {
        double& xi = x[slot[i]];
        const double x0 = xi, h = step_at(x0);
        double up = 0, down = 0;
        xi = x0 + h;
        value(x.data(), &up);
        xi = x0 - h;
        value(x.data(), &down);
        xi = x0;
        const double numeric = (up - down) / (2 * h);
        rows.push_back({wrt[i].name(), symbolic[i], numeric, relative_error(symbolic[i], numeric)});
    }
    return with_worst(std::move(rows));
}

GradientCheck check_gradient_loops(Expr f, std::span<const Expr> wrt_given, std::span<const Expr> variables,
                                   std::span<const Assignment> at, const DataSet* data, EvalBackend backend,
                                   std::string_view source) {
    if (f.is(Op::List)) throw Error("check takes a scalar expression, not a list");
    Context& ctx = f.context();
    std::vector<Expr> wrt(wrt_given.begin(), wrt_given.end());
    if (wrt.empty()) wrt = default_parameters(f, variables, data);
    auto given = [&](Expr v) {
        return std::find_if(at.begin(), at.end(), [&](const Assignment& a) { return a.name == v.name(); });
    };
    std::vector<Expr> scalars;
    std::vector<VectorParameter> vectors;
    std::vector<double> x;
    std::vector<SizeBinding> fixed;
    for (Expr v : wrt) {
        auto b = given(v);
        if (b == at.end())
            throw_at_word(source, v.name(),
                          fmt::format("unknown variable '{}': give its value with --at {}=...", v.name(), v.name()));
        if (b->is_vector) continue;
        scalars.push_back(v);
        x.push_back(b->value);
    }
    for (Expr v : wrt) {
        auto b = given(v);
        if (!b->is_vector) continue;
        vectors.push_back(VectorParameter{v, b->elements.size()});
        x.insert(x.end(), b->elements.begin(), b->elements.end());
    }
    for (const Assignment& b : at) {
        const Expr s = ctx.symbol(b.name);
        if (std::find(wrt.begin(), wrt.end(), s) != wrt.end()) continue;
        // A name the expression does not have is ignored, as everywhere values are given.
        if (std::find(variables.begin(), variables.end(), s) == variables.end()) continue;
        if (b.is_vector) throw Error(fmt::format("check varies every vector it is given: add '{}' to --wrt", b.name));
        fixed.push_back(SizeBinding{s, b.value});
    }
    std::vector<ColumnView> views;
    if (data) views = column_views(*data);
    // The Loss compiles f and its gradient (about three times f's nodes) at -O2, and is
    // called once and twice per checked coordinate, over every element or row.
    Work w;
    const Expr roots[] = {f};
    w.nodes = 3 * dag_nodes(roots);
    w.calls = 1 + 2 * static_cast<double>(scalars.size());
    for (const VectorParameter& v : vectors) w.calls += 2 * static_cast<double>(std::min<std::size_t>(v.length, 10));
    if (data) w.elements = std::max(w.elements, static_cast<double>(data->rows()));
    for (const VectorParameter& v : vectors) w.elements = std::max(w.elements, static_cast<double>(v.length));
    const Loss loss = make_loss(f, scalars, vectors, views, fixed, LossOptions{}, backend, w);
    const std::size_t n = loss.dims();
    std::vector<double> out(n + 1), probe(n + 1);
    loss(x.data(), out.data());
    std::vector<std::size_t> coords;
    for (std::size_t i = 0; i < scalars.size(); ++i) coords.push_back(i);
    std::size_t first = scalars.size();
    for (const VectorParameter& v : vectors) {
        for (std::size_t k = 0; k < v.length; ++k)
            if (v.length <= 10 || k < 5 || k + 5 >= v.length) coords.push_back(first + k);
        first += v.length;
    }
    std::vector<CheckRow> rows;
    for (std::size_t i : coords) {
        const double x0 = x[i], h = step_at(x0);
        x[i] = x0 + h;
        loss(x.data(), probe.data());
        const double up = probe[0];
        x[i] = x0 - h;
        loss(x.data(), probe.data());
        const double down = probe[0];
        x[i] = x0;
        const double numeric = (up - down) / (2 * h);
        rows.push_back({loss.coordinate_name(i), out[1 + i], numeric, relative_error(out[1 + i], numeric)});
    }
    return with_worst(std::move(rows));
}

} // namespace symdiff
