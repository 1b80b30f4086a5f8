// The shared body of `symdiff hessian` and `symdiff jacobian`.
#include "matrix_command.hpp"

#include <cmath>

#include "symdiff/diff.hpp"
#include "symdiff/point_test.hpp"

namespace symdiff::cli {

Expr matrix_expr(Context& ctx, const std::vector<std::vector<Expr>>& m);
void print_result(const Options& o, const Input& in, JsonObject json, std::string_view key, Expr e);

namespace {

// hessian --at: the matrix, then its eigenvalues and what the point is (the second-derivative
// test, as the tutorials classify critical points), then the value. False when the Hessian
// is not a matrix of numbers (over vectors), which prints as before.
bool print_hessian_point(const Options& o, const Input& in, JsonObject json, Expr m, std::span<const Expr> wrt) {
    require_bound(in, m);
    const Bindings at = bindings(in);
    const Value v = evaluate_value(m, at);
    const std::size_t n = wrt.size();
    if (!v.is_list || v.items.size() != n) return false;
    std::vector<double> h(n * n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!v.items[i].is_list || v.items[i].items.size() != n) return false;
        for (std::size_t j = 0; j < n; ++j) {
            if (v.items[i].items[j].is_list) return false;
            h[i * n + j] = v.items[i].items[j].scalar;
        }
    }
    std::vector<double> grad;
    for (Expr g : gradient(in.parsed.expr, wrt)) grad.push_back(evaluate(g, at));
    const PointTest test = second_derivative_test(h, n, grad);
    const Curvature& c = test.curvature;
    const std::string& point = test.description;
    if (o.format == Format::Json) {
        json.raw("hessian", json_expr(m))
            .raw("eigenvalues", json_numbers(c.eigenvalues))
            .string("point", point)
            .raw("value", json_value(v));
        print_line(json.str());
        return true;
    }
    print_line(to_string(m, o.format));
    std::string ev;
    for (double l : c.eigenvalues) ev += (ev.empty() ? "" : ", ") + number_text(l);
    print_line("eigenvalues: " + ev);
    print_line("point:       " + point);
    print_line(value_text(v));
    return true;
}

} // namespace

void register_matrix_command(CLI::App& app, const std::string& name, const std::string& description,
                             MatrixOf matrix) {
    auto o = std::make_shared<Options>();
    auto* cmd = add_command(app, name, description);
    add_expr_argument(cmd, *o);
    add_wrt_option(cmd, *o);
    add_at_option(cmd, *o);
    add_vars_option(cmd, *o);
    add_format_option(cmd, *o);
    cmd->callback([o, name, matrix] {
        Context ctx;
        Input in = read_input(ctx, *o);
        std::vector<Expr> wrt = wrt_variables(ctx, *o, in);
        Expr m = matrix_expr(ctx, matrix(in.parsed.expr, wrt));
        JsonObject json = json_header(name, in);
        json.raw("wrt", json_names(wrt));
        if (name == "hessian" && in.has_at && print_hessian_point(*o, in, json, m, wrt)) return;
        print_result(*o, in, json, name, m);
    });
}

} // namespace symdiff::cli
