// `symdiff check EXPR --at x=2,y=3`: gradient checking as tutorial 000 teaches it: the
// symbolic gradient against central differences, with the relative error of each component.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common.hpp"
#include "symdiff/diff.hpp"

namespace symdiff::cli {

namespace {

// The tutorial's step and threshold: h = 1e-5 (scaled by |x| for large coordinates, where a
// fixed step would be lost in rounding) and relative errors below 1e-5 pass.
constexpr double kStep = 1e-5;
constexpr double kThreshold = 1e-5;

} // namespace

void register_check(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* cmd = add_command(app, "check",
                            "Gradient check: symbolic gradient vs central differences at a point, with relative errors");
    add_expr_argument(cmd, *o);
    add_wrt_option(cmd, *o);
    add_at_option(cmd, *o, true);
    add_vars_option(cmd, *o);
    add_format_option(cmd, *o);
    cmd->callback([o] {
        Context ctx;
        Input in = read_input(ctx, *o);
        Expr f = in.parsed.expr;
        if (f.is(Op::List)) throw Error("check takes a scalar expression, not a list");
        std::vector<Expr> wrt = wrt_variables(ctx, *o, in);
        require_bound(in, f);
        std::vector<Expr> g = gradient(f, wrt);
        Bindings at = bindings(in);
        struct Row {
            std::string name;
            double symbolic, numeric, error;
        };
        std::vector<Row> rows;
        double worst = 0;
        for (std::size_t i = 0; i < wrt.size(); ++i) {
            const std::string& name = wrt[i].name();
            if (!at.count(name)) throw Error(fmt::format("unknown variable '{}': give its value with --at {}=...", name, name));
            double a = evaluate(g[i], at);
            const double x0 = at[name], h = kStep * std::max(1.0, std::fabs(x0));
            Bindings plus = at, minus = at;
            plus[name] = x0 + h;
            minus[name] = x0 - h;
            double n = (evaluate(f, plus) - evaluate(f, minus)) / (2 * h);
            // |a - n| / max(|a| + |n|, 1e-10), the tutorial's relative error
            double err = std::fabs(a - n) / std::max(std::fabs(a) + std::fabs(n), 1e-10);
            if (std::isnan(err)) err = INFINITY;
            worst = std::max(worst, err);
            rows.push_back({name, a, n, err});
        }
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
            json.raw("wrt", json_names(wrt)).number("step", kStep).number("threshold", kThreshold);
            json.raw("components", items).number("max_relative_error", worst).raw("passed", passed ? "true" : "false");
            return print_line(json.str());
        }
        print_line(fmt::format("{:<10} {:>22} {:>22} {:>14}  {}", "variable", "symbolic", "numeric", "rel. error", "check"));
        for (const Row& r : rows)
            print_line(fmt::format("{:<10} {:>22} {:>22} {:>14.2e}  {}", r.name, number_text(r.symbolic),
                                   number_text(r.numeric), r.error, r.error < kThreshold ? "pass" : "FAIL"));
        print_line(fmt::format("max relative error: {:.2e} (threshold {:.0e}, central differences with h = {:.0e})",
                               worst, kThreshold, kStep));
        print_line(passed ? "gradient check passed" : "gradient check FAILED");
    });
}

} // namespace symdiff::cli
