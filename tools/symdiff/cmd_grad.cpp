// `symdiff grad EXPR [--wrt x,y] [--at x=1,y=2] [--dir 1,1]`: the gradient as a vector; at a
// point also its magnitude and unit direction (the direction of steepest ascent).
#include <cmath>

#include <fmt/format.h>

#include "common.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/simplify.hpp"

namespace symdiff::cli {

std::vector<Expr> direction_of(Context& ctx, const std::vector<std::string>& raw, std::size_t vars);

void register_grad(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto dir = std::make_shared<std::vector<std::string>>();
    auto* cmd = add_command(app, "grad", "Gradient of an expression; with --at, its value, magnitude and direction");
    add_expr_argument(cmd, *o);
    add_wrt_option(cmd, *o);
    add_at_option(cmd, *o);
    cmd->add_option("--dir", *dir, "Also the directional derivative along this vector (normalised), e.g. 1,1")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("a,b,...");
    add_vars_option(cmd, *o);
    add_format_option(cmd, *o);
    cmd->callback([o, dir] {
        Context ctx;
        Input in = read_input(ctx, *o);
        Expr f = in.parsed.expr;
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
        Bindings at = bindings(in);
        Value v = evaluate_value(vec, at);
        double norm2 = 0;
        for (const Value& c : v.items) norm2 += c.scalar * c.scalar;
        const double norm = std::sqrt(norm2);
        Value unit;
        unit.is_list = true;
        // The zero gradient has no direction: a stationary point (minimum, maximum or saddle).
        if (norm > 0 && std::isfinite(norm))
            for (const Value& c : v.items) unit.items.push_back(Value{c.scalar / norm, {}, false});
        double du_value = du.is_null() ? 0 : evaluate(du, at);
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
            print_line("directional derivative: " + to_string(du, o->format) + " = " + number_text(du_value));
        }
        print_line(value_text(v));
    });
}

} // namespace symdiff::cli
