// `symdiff grad EXPR [--wrt x,y] [--at x=1,y=2] [--dir 1,1]`: the gradient as a vector; at a
// point also its magnitude and unit direction (the direction of steepest ascent).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common.hpp"
#include "points.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/simplify.hpp"

namespace symdiff::cli {

std::vector<Expr> direction_of(Context& ctx, const std::vector<std::string>& raw, std::size_t vars);

namespace {

// The canonical form of a component; the simplifier may not know every reduction node, and
// an unsimplified gradient is still the gradient.
Expr tidy(Expr e) {
    try {
        return simplify(e);
    } catch (const Error&) {
        return e;
    }
}

// The gradient of a function of vectors or data: a Vec (∂f/∂x[k] with its guards) for each
// vector variable, and with --at its values.
void grad_loops(Context& ctx, const Options& o, const Input& in, const DataOptions& d, const std::optional<DataSet>& data,
                EvalBackend backend) {
    Expr f = in.parsed.expr;
    if (f.is(Op::List)) throw Error("grad takes a scalar expression, not a list");
    std::vector<Expr> wrt;
    if (!o.wrt.empty()) {
        wrt = wrt_variables(ctx, o, in);
    } else {
        wrt = default_parameters(f, in.parsed.variables, data ? &*data : nullptr);
    }
    if (wrt.empty()) throw Error("the expression has no variables to differentiate by (columns of --data and sizes do not count)");
    std::vector<Expr> g = gradient(f, wrt);
    for (Expr& e : g) e = tidy(e);
    const Expr list = ctx.list(g);
    JsonObject json = json_header("grad", in);
    json.raw("wrt", json_names(wrt)).raw("gradient", json_expr(list));
    if (data) json.raw("data", json_data(d, *data));
    if (!in.has_at) {
        if (o.format == Format::Json) return print_line(json.str());
        return print_line(to_string(list, o.format));
    }
    const LoopBinding b = bind_loops(in, data ? &*data : nullptr, g);
    const std::vector<Value> values = evaluate_loops(g, b, backend);
    std::vector<double> flat;
    for (const Value& v : values) {
        if (v.is_list)
            for (const Value& item : v.items) flat.push_back(item.scalar);
        else
            flat.push_back(v.scalar);
    }
    double norm2 = 0;
    for (double x : flat) norm2 += x * x;
    const double norm = std::sqrt(norm2);
    const bool has_direction = norm > 0 && std::isfinite(norm);
    Value all;
    all.is_list = true;
    all.items = values;
    if (o.format == Format::Json) {
        json.raw("value", json_value(all)).number("magnitude", norm);
        if (!has_direction) {
            json.raw("direction", "null");
        } else {
            Value unit = all;
            for (Value& v : unit.items) {
                if (v.is_list)
                    for (Value& item : v.items) item.scalar /= norm;
                else
                    v.scalar /= norm;
            }
            json.raw("direction", json_value(unit));
        }
        return print_line(json.str());
    }
    print_line(to_string(list, o.format));
    for (const Binding& s : b.inferred) print_line(fmt::format("{} = {} (the length of the vectors)", s.name, number_text(s.value)));
    print_line("magnitude: " + number_text(norm));
    if (!has_direction) {
        print_line("direction: none (the gradient is zero)");
    } else if (flat.size() <= 20) {
        std::vector<double> unit(flat);
        for (double& x : unit) x /= norm;
        print_line("direction: " + vector_summary(unit));
    }
    std::string line = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) line += ", ";
        if (values[i].is_list) {
            std::vector<double> v;
            for (const Value& item : values[i].items) v.push_back(item.scalar);
            line += vector_summary(v);
        } else {
            line += number_text(values[i].scalar);
        }
    }
    print_line(line + "]");
}

} // namespace

void register_grad(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto dir = std::make_shared<std::vector<std::string>>();
    auto data_options = std::make_shared<DataOptions>();
    auto backend = std::make_shared<EvalBackend>(EvalBackend::Auto);
    auto table = std::make_shared<TableOptions>();
    auto* cmd = add_command(app, "grad", "Gradient of an expression; with --at, its value, magnitude and direction");
    add_expr_argument(cmd, *o);
    add_wrt_option(cmd, *o);
    add_at_option(cmd, *o);
    add_grid_option(cmd, *table);
    cmd->add_option("--dir", *dir, "Also the directional derivative along this vector (normalised), e.g. 1,1")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("a,b,...");
    add_data_options(cmd, *data_options);
    add_vars_option(cmd, *o);
    add_table_format_option(cmd, *o, *table);
    add_backend_option(cmd, *backend);
    cmd->callback([o, dir, data_options, backend, table] {
        Context ctx;
        const std::optional<DataSet> data = load_data(*data_options);
        Input in = read_input(ctx, *o, data ? data->names : std::vector<std::string>{});
        Expr f = in.parsed.expr;
        if (data) check_list_values(in.at, f, true);
        if (auto points = table_points(in, f, data, *table)) {
            if (!dir->empty()) throw UsageError("--dir cannot be combined with a table of points");
            if (f.is(Op::List)) throw Error("grad takes a scalar expression, not a list");
            // The point, f, then each component: f and the gradient share one pass.
            std::vector<Expr> wrt = wrt_variables(ctx, *o, in);
            std::vector<Expr> outputs{f};
            for (Expr g : gradient(f, wrt)) outputs.push_back(simplify(g));
            const Format notation = o->format == Format::Json ? Format::Text : o->format;
            std::vector<std::string> headers;
            for (Expr out : outputs) headers.push_back(to_string(out, notation));
            return print_table(*o, *table, in, "grad", *points, outputs, headers, *backend);
        }
        if (data || uses_loops(f) || has_vector_values(in)) {
            if (!dir->empty()) throw UsageError("--dir is not available for functions of vectors or data");
            return grad_loops(ctx, *o, in, *data_options, data, *backend);
        }
        std::vector<Expr> wrt = wrt_variables(ctx, *o, in);
        std::vector<Expr> g = gradient(f, wrt);
        for (Expr& e : g) e = simplify(e);
        Expr vec = ctx.list(g);
        Expr du;
        if (!dir->empty()) du = simplify(directional_derivative(f, wrt, direction_of(ctx, *dir, wrt.size())));

        JsonObject json = json_header("grad", in);
        json.raw("wrt", json_names(wrt)).raw("gradient", json_expr(vec));
        if (!du.is_null()) json.raw("directional_derivative", json_expr(du));
        if (!in.has_at) {
            if (o->format == Format::Json) return print_line(json.str());
            print_line(to_string(vec, o->format));
            if (!du.is_null()) print_line(to_string(du, o->format));
            return;
        }
        require_bound(in, vec);
        if (!du.is_null()) require_bound(in, du);
        // The gradient and the directional derivative in one kernel, sharing subexpressions.
        const Value both = evaluate_point(du.is_null() ? vec : ctx.list({vec, du}), in, *backend);
        Value v = du.is_null() ? both : both.items[0];
        double norm2 = 0;
        for (const Value& c : v.items) norm2 += c.scalar * c.scalar;
        const double norm = std::sqrt(norm2);
        Value unit;
        unit.is_list = true;
        // The zero gradient has no direction: a stationary point (minimum, maximum or saddle).
        if (norm > 0 && std::isfinite(norm))
            for (const Value& c : v.items) unit.items.push_back(Value{c.scalar / norm, {}, false});
        double du_value = du.is_null() ? 0 : both.items[1].scalar;
        if (o->format == Format::Json) {
            json.raw("value", json_value(v)).number("magnitude", norm);
            json.raw("direction", unit.items.empty() ? "null" : json_value(unit));
            if (!du.is_null()) json.number("directional_value", du_value);
            return print_line(json.str());
        }
        print_line(to_string(vec, o->format));
        print_line("magnitude: " + number_text(norm));
        print_line("direction: " + (unit.items.empty() ? std::string("none (the gradient is zero)") : value_text(unit)));
        if (!du.is_null()) {
            std::string exact = exact_line(in, du, du_value, o->format);
            print_line("directional derivative: " + to_string(du, o->format) + " = " +
                       (exact.empty() ? number_text(du_value) : exact));
        }
        print_line(value_text(v));
    });
}

} // namespace symdiff::cli
