// `symdiff check EXPR --at x=2,y=3`: gradient checking as tutorial 000 teaches it: the
// symbolic gradient against central differences, with the relative error of each component.
#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_set>

#include <fmt/format.h>

#include "common.hpp"
#include "symdiff/gradient_check.hpp"

namespace symdiff::cli {

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
        GradientCheck check;
        if (loops) {
            if (!o->wrt.empty()) wrt = wrt_variables(ctx, *o, in);
            check = check_gradient_loops(f, wrt, in.parsed.variables, in.at, data ? &*data : nullptr, *backend,
                                         in.text);
        } else {
            wrt = wrt_variables(ctx, *o, in);
            check = check_gradient(f, wrt, in.at, *backend, in.text);
        }
        const std::vector<CheckRow>& rows = check.rows;
        const double worst = check.worst;
        const bool passed = check.passed();
        if (o->format == Format::Json) {
            std::string items = "[";
            for (std::size_t i = 0; i < rows.size(); ++i) {
                JsonObject r;
                r.string("variable", rows[i].name)
                    .number("symbolic", rows[i].symbolic)
                    .number("numeric", rows[i].numeric)
                    .number("relative_error", rows[i].error)
                    .raw("passed", rows[i].passed() ? "true" : "false");
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
            json.number("step", kCheckStep).number("threshold", kCheckThreshold);
            json.raw("components", items).number("max_relative_error", worst).raw("passed", passed ? "true" : "false");
            print_line(json.str());
        } else {
            print_line(fmt::format("{:<10} {:>22} {:>22} {:>14}  {}", "variable", "symbolic", "numeric", "rel. error",
                                   "check"));
            for (const CheckRow& r : rows)
                print_line(fmt::format("{:<10} {:>22} {:>22} {:>14.2e}  {}", r.name, number_text(r.symbolic),
                                       number_text(r.numeric), r.error, r.passed() ? "pass" : "FAIL"));
            print_line(fmt::format("max relative error: {:.2e} (threshold {:.0e}, central differences with h = {:.0e})",
                                   worst, kCheckThreshold, kCheckStep));
            print_line(passed ? "gradient check passed" : "gradient check FAILED");
        }
        // Scripts and CI gate on the status (`symdiff check ... && train`), not on the text.
        if (!passed) throw CommandVerdict{kCheckFailed};
    });
}

} // namespace symdiff::cli
