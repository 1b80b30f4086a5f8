// `symdiff diff EXPR [--wrt x] [--order N] [--at x=1] [--dir 1,1] [--steps]`: a derivative,
// simplified for reading, optionally with its value, its steps, or along a direction.
//
// JSON members the derivative commands add after json_header's (README "JSON output"):
//   diff      "wrt": [names], "order": N, "steps": [{"rule", "target", "expansion", "result"}]
//             with --steps (pending derivatives written d/dx[u]), "derivative": expr,
//             "value" with --at; with --dir: "wrt", "directional_derivative": expr, "value"
//   grad      "wrt", "gradient": expr (a list), "directional_derivative" with --dir; with --at:
//             "value": [..], "magnitude", "direction": [..] or null for a zero gradient,
//             "directional_value" with --dir
//   hessian   "wrt", "hessian": expr (a list of rows), "value" with --at
//   jacobian  "wrt", "jacobian": expr (a list of rows), "value" with --at
//   check     "wrt", "step", "threshold", "components": [{"variable", "symbolic", "numeric",
//             "relative_error", "passed"}], "max_relative_error", "passed"
#include <fmt/format.h>

#include "common.hpp"
#include "points.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/simplify.hpp"
#include "symdiff/steps.hpp"

namespace symdiff::cli {

// Helpers shared by the derivative commands (grad, hessian, jacobian, check declare them).

/// --dir 1,1: the direction's components, constant expressions, one per variable.
std::vector<Expr> direction_of(Context& ctx, const std::vector<std::string>& raw, std::size_t vars) {
    std::vector<Expr> d;
    for (const std::string& item : raw) {
        Expr v = parse_expr(ctx, item);
        if (!free_symbols(v).empty() || v.is(Op::List))
            throw Error(fmt::format("the components of --dir must be numbers, got '{}'", item));
        d.push_back(v);
    }
    if (d.size() != vars)
        throw UsageError(fmt::format("--dir has {} components but there are {} variables", d.size(), vars));
    return d;
}

/// A matrix of expressions as a list of rows, each simplified.
Expr matrix_expr(Context& ctx, const std::vector<std::vector<Expr>>& m) {
    std::vector<Expr> rows;
    for (const auto& r : m) {
        std::vector<Expr> items;
        for (Expr e : r) items.push_back(simplify(e));
        rows.push_back(ctx.list(items));
    }
    return ctx.list(rows);
}

/// Prints e (and with --at its value, alone on the last line) or the JSON object.
void print_result(const Options& o, const Input& in, JsonObject json, std::string_view key, Expr e) {
    if (o.format == Format::Json) {
        json.raw(key, json_expr(e));
        if (in.has_at) {
            require_bound(in, e);
            json.raw("value", json_value(evaluate_value(e, bindings(in))));
        }
        print_line(json.str());
        return;
    }
    // An unbound variable is reported before anything is printed.
    if (in.has_at) require_bound(in, e);
    print_line(to_string(e, o.format));
    if (!in.has_at) return;
    const Value v = evaluate_value(e, bindings(in));
    // An exact value (3*sqrt(2) = 4.242640687119285) before the bare value on the last line.
    if (!v.is_list) {
        std::string exact = exact_line(in, e, v.scalar, o.format);
        if (!exact.empty()) print_line(exact);
    }
    print_line(value_text(v));
}

/// The JSON of a derivation's steps: [{"rule", "target", "expansion", "result"}, ...] as text.
std::string json_steps(const Derivation& d) {
    std::string out = "[";
    for (std::size_t i = 0; i < d.steps.size(); ++i) {
        const DerivationStep& s = d.steps[i];
        JsonObject o;
        o.string("rule", s.rule);
        if (!s.target.is_null()) o.string("target", to_string(s.target));
        o.string("expansion", render_step_expr(d, s.expansion));
        o.string("result", render_step_expr(d, s.result));
        out += (i ? ", " : "") + o.str();
    }
    return out + "]";
}

void register_diff(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto order = std::make_shared<int>(1);
    auto steps = std::make_shared<bool>(false);
    auto dir = std::make_shared<std::vector<std::string>>();
    auto table = std::make_shared<TableOptions>();
    auto data_options = std::make_shared<DataOptions>();
    auto* cmd = add_command(app, "diff", "Differentiate an expression (simplified, optionally step by step)");
    add_expr_argument(cmd, *o);
    add_wrt_option(cmd, *o);
    cmd->add_option("--order", *order, "Differentiate N times (with one --wrt variable)")
        ->check(CLI::Range(0, 64))
        ->type_name("N");
    add_at_option(cmd, *o);
    cmd->add_option("--dir", *dir, "Directional derivative along this vector (normalised), e.g. 1,1")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("a,b,...");
    cmd->add_flag("--steps", *steps, "Show the derivation step by step, naming each rule");
    add_grid_option(cmd, *table);
    add_data_options(cmd, *data_options);
    add_vars_option(cmd, *o);
    add_table_format_option(cmd, *o, *table);
    cmd->callback([o, order, steps, dir, table, data_options] {
        Context ctx;
        const std::optional<DataSet> data = load_data(*data_options);
        Input in = read_input(ctx, *o, data ? data->names : std::vector<std::string>{});
        Expr f = in.parsed.expr;
        const std::optional<PointSet> points = table_points(in, f, data, *table);
        if (data && !points) throw UsageError("diff takes --data only for a table over its rows: the expression uses none of its columns");
        if (points && (*steps || !dir->empty()))
            throw UsageError(std::string(*steps ? "--steps" : "--dir") + " cannot be combined with a table of points");
        std::vector<Expr> wrt = wrt_variables(ctx, *o, in);
        JsonObject json = json_header("diff", in);
        if (!dir->empty()) {
            if (*steps) throw UsageError("--steps and --dir cannot be combined");
            std::vector<Expr> d = direction_of(ctx, *dir, wrt.size());
            json.raw("wrt", json_names(wrt));
            print_result(*o, in, json, "directional_derivative", simplify(directional_derivative(f, wrt, d)));
            return;
        }
        if (o->wrt.empty()) {
            if (wrt.size() > 1) {
                std::string names;
                for (Expr v : wrt) names += (names.empty() ? "" : ", ") + v.name();
                throw UsageError(fmt::format("the expression has several variables ({}): choose one with --wrt, "
                                             "or use grad for all of them", names));
            }
            // A constant differentiates to 0 with respect to anything; x is as good as any.
            if (wrt.empty()) wrt.push_back(ctx.symbol("x"));
        }
        if (*order != 1 && wrt.size() != 1) throw UsageError("--order needs exactly one --wrt variable");
        if (*steps && (wrt.size() != 1 || *order != 1))
            throw UsageError("--steps shows a first derivative with respect to one variable");
        Expr d = simplify(wrt.size() == 1 ? diff(f, wrt[0], *order) : diff(f, wrt));
        if (points) {
            // The tutorials' table: x, f(x), f'(x).
            if (f.is(Op::List)) throw Error("a table of derivatives takes a scalar expression, not a list");
            const Format notation = o->format == Format::Json ? Format::Text : o->format;
            const Expr outputs[] = {f, d};
            const std::string headers[] = {to_string(f, notation), to_string(d, notation)};
            return print_table(*o, *table, in, "diff", *points, outputs, headers, EvalBackend::Auto);
        }
        json.raw("wrt", json_names(wrt)).number("order", *order);
        if (*steps) {
            Derivation der = derive_steps(f, wrt[0]);
            if (o->format == Format::Json) {
                json.raw("steps", json_steps(der));
            } else {
                std::string text = render_steps(der, o->format);
                if (!text.empty() && text.back() == '\n') text.pop_back();
                print_line(text);
            }
        }
        print_result(*o, in, json, "derivative", d);
    });
}

} // namespace symdiff::cli
