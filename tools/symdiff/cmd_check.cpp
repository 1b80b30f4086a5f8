// `symdiff check EXPR --at x=2,y=3`: gradient checking as tutorial 000 teaches it: the
// symbolic gradient against central differences, with the relative error of each component.
#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_set>

#include <fmt/format.h>

#include "common.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/optimize.hpp"

namespace symdiff::cli {

namespace {

// The tutorial's step and threshold: h = 1e-5 (scaled by |x| for large coordinates, where a
// fixed step would be lost in rounding) and relative errors below 1e-5 pass.
constexpr double kStep = 1e-5;
constexpr double kThreshold = 1e-5;

struct Row {
    std::string name;
    double symbolic, numeric, error;
};

// |a - n| / max(|a| + |n|, 1e-10), the tutorial's relative error
double relative_error(double a, double n) {
    const double err = std::fabs(a - n) / std::max(std::fabs(a) + std::fabs(n), 1e-10);
    return std::isnan(err) ? INFINITY : err;
}

// Over vectors and data the gradient comes from a Loss (the kernel the optimisers use) and
// the differences from its value. A long vector is checked at its first and last five
// elements: every element costs two evaluations of the whole sum.
std::vector<Row> check_loops(Context& ctx, const Options& o, const Input& in, const std::optional<DataSet>& data,
                             EvalBackend backend) {
    const Expr f = in.parsed.expr;
    if (f.is(Op::List)) throw Error("check takes a scalar expression, not a list");
    const std::vector<Expr> sizes = size_symbols(f);
    std::vector<Expr> wrt;
    if (!o.wrt.empty()) {
        wrt = wrt_variables(ctx, o, in);
    } else {
        for (Expr v : in.parsed.variables) {
            if (data && data->column(v.name())) continue;
            if (std::find(sizes.begin(), sizes.end(), v) != sizes.end()) continue;
            wrt.push_back(v);
        }
    }
    std::vector<Expr> scalars;
    std::vector<VectorParameter> vectors;
    std::vector<double> x;
    std::vector<SizeBinding> fixed;
    for (Expr v : wrt) {
        auto b = std::find_if(in.at.begin(), in.at.end(), [&](const Binding& a) { return a.name == v.name(); });
        if (b == in.at.end()) throw_at_word(in, v.name(), fmt::format("unknown variable '{}': give its value with --at {}=...", v.name(), v.name()));
        if (b->is_vector) continue;
        scalars.push_back(v);
        x.push_back(b->value);
    }
    for (Expr v : wrt) {
        auto b = std::find_if(in.at.begin(), in.at.end(), [&](const Binding& a) { return a.name == v.name(); });
        if (!b->is_vector) continue;
        vectors.push_back(VectorParameter{v, b->elements.size()});
        x.insert(x.end(), b->elements.begin(), b->elements.end());
    }
    for (const Binding& b : in.at) {
        const Expr s = ctx.symbol(b.name);
        if (std::find(wrt.begin(), wrt.end(), s) != wrt.end()) continue;
        // A name the expression does not have is ignored, as everywhere --at is read.
        if (std::find(in.parsed.variables.begin(), in.parsed.variables.end(), s) == in.parsed.variables.end()) continue;
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
    LossOptions lo;
    lo.backend = backend == EvalBackend::Jit || (backend == EvalBackend::Auto && loss_jit_pays(w)) ? Backend::Jit
                                                                                                  : Backend::Interpreter;
    std::optional<Loss> made;
    try {
        made.emplace(f, scalars, vectors, views, fixed, lo);
    } catch (const Error& e) {
        if (lo.backend == Backend::Interpreter) throw;
        lo.backend = Backend::Interpreter;
        made.emplace(f, scalars, vectors, views, fixed, lo); // the user's error, if it is one
        if (backend == EvalBackend::Jit) throw_jit_refused(e);
    }
    const Loss& loss = *made;
    const std::size_t n = loss.dims();
    std::vector<double> out(n + 1), probe(n + 1);
    loss(x.data(), out.data());
    std::vector<std::size_t> coords;
    for (std::size_t i = 0; i < scalars.size(); ++i) coords.push_back(i);
    std::size_t at = scalars.size();
    for (const VectorParameter& v : vectors) {
        for (std::size_t k = 0; k < v.length; ++k)
            if (v.length <= 10 || k < 5 || k + 5 >= v.length) coords.push_back(at + k);
        at += v.length;
    }
    std::vector<Row> rows;
    for (std::size_t i : coords) {
        const double x0 = x[i], h = kStep * std::max(1.0, std::fabs(x0));
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
    return rows;
}

// The gradient by one kernel call and f at x ± h·e_i by another kernel, the JIT's or the
// Interpreter's (bit for bit the numbers of evaluate() on the same points). f is called twice
// per variable: at a hundred variables and more of a flat sum the JIT pays (common.cpp).
std::vector<Row> check_point(Expr f, std::span<const Expr> wrt, const Input& in, EvalBackend backend) {
    const Bindings at = bindings(in);
    for (Expr v : wrt)
        if (!at.count(v.name()))
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
    for (Expr v : inputs) x.push_back(at.at(v.name()));

    const std::vector<Expr> g = gradient(f, wrt);
    std::vector<double> symbolic(g.size());
    PointKernel(g, inputs, backend, 1)(x.data(), symbolic.data());
    const Expr fs[] = {f};
    const PointKernel value(fs, inputs, backend, 2 * static_cast<double>(wrt.size()));
    std::vector<Row> rows;
    for (std::size_t i = 0; i < wrt.size(); ++i) {
        double& xi = x[slot[i]];
        const double x0 = xi, h = kStep * std::max(1.0, std::fabs(x0));
        double up = 0, down = 0;
        xi = x0 + h;
        value(x.data(), &up);
        xi = x0 - h;
        value(x.data(), &down);
        xi = x0;
        const double numeric = (up - down) / (2 * h);
        rows.push_back({wrt[i].name(), symbolic[i], numeric, relative_error(symbolic[i], numeric)});
    }
    return rows;
}

} // namespace

void register_check(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* cmd = add_command(app, "check",
                            "Gradient check: symbolic gradient vs central differences at a point, with relative errors");
    add_expr_argument(cmd, *o);
    add_wrt_option(cmd, *o);
    add_at_option(cmd, *o, true);
    auto d = std::make_shared<DataOptions>();
    add_data_options(cmd, *d);
    add_vars_option(cmd, *o);
    add_format_option(cmd, *o);
    auto backend = std::make_shared<EvalBackend>(EvalBackend::Auto);
    add_backend_option(cmd, *backend);
    cmd->callback([o, d, backend] {
        Context ctx;
        const std::optional<DataSet> data = load_data(*d);
        Input in = read_input(ctx, *o, data ? data->names : std::vector<std::string>{});
        Expr f = in.parsed.expr;
        if (data) check_list_values(in.at, f, true);
        const bool loops = data || uses_loops(f) || has_vector_values(in);
        if (f.is(Op::List)) throw Error("check takes a scalar expression, not a list");
        std::vector<Expr> wrt;
        std::vector<Row> rows;
        double worst = 0;
        if (loops) {
            rows = check_loops(ctx, *o, in, data, *backend);
        } else {
            wrt = wrt_variables(ctx, *o, in);
            require_bound(in, f);
            rows = check_point(f, wrt, in, *backend);
        }
        for (const Row& r : rows) worst = std::max(worst, r.error);
        const bool passed = worst < kThreshold;
        if (o->format == Format::Json) {
            std::string items = "[";
            for (std::size_t i = 0; i < rows.size(); ++i) {
                JsonObject r;
                r.string("variable", rows[i].name)
                    .number("symbolic", rows[i].symbolic)
                    .number("numeric", rows[i].numeric)
                    .number("relative_error", rows[i].error)
                    .raw("passed", rows[i].error < kThreshold ? "true" : "false");
                items += (i ? ", " : "") + r.str();
            }
            items += "]";
            JsonObject json = json_header("check", in);
            if (loops) {
                // Coordinates such as "x[3]": names of elements, not of symbols.
                std::string names = "[";
                for (std::size_t i = 0; i < rows.size(); ++i) names += (i ? ", " : "") + json_string(rows[i].name);
                json.raw("wrt", names + "]");
            } else {
                json.raw("wrt", json_names(wrt));
            }
            json.number("step", kStep).number("threshold", kThreshold);
            json.raw("components", items).number("max_relative_error", worst).raw("passed", passed ? "true" : "false");
            print_line(json.str());
        } else {
            print_line(fmt::format("{:<10} {:>22} {:>22} {:>14}  {}", "variable", "symbolic", "numeric", "rel. error",
                                   "check"));
            for (const Row& r : rows)
                print_line(fmt::format("{:<10} {:>22} {:>22} {:>14.2e}  {}", r.name, number_text(r.symbolic),
                                       number_text(r.numeric), r.error, r.error < kThreshold ? "pass" : "FAIL"));
            print_line(fmt::format("max relative error: {:.2e} (threshold {:.0e}, central differences with h = {:.0e})",
                                   worst, kThreshold, kStep));
            print_line(passed ? "gradient check passed" : "gradient check FAILED");
        }
        // Scripts and CI gate on the status (`symdiff check ... && train`), not on the text.
        if (!passed) throw CommandVerdict{kCheckFailed};
    });
}

} // namespace symdiff::cli
