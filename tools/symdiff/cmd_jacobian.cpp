// `symdiff jacobian "[e1, e2, ...]" [--wrt x,y] [--at ...]`: J[i][j] = d e_i / d x_j, as rows.
#include "common.hpp"
#include "symdiff/diff.hpp"

namespace symdiff::cli {

Expr matrix_expr(Context& ctx, const std::vector<std::vector<Expr>>& m);
void print_result(const Options& o, const Input& in, JsonObject json, std::string_view key, Expr e);

void register_jacobian(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* cmd = add_command(app, "jacobian", "Jacobian matrix of a list of expressions, one row per expression");
    add_expr_argument(cmd, *o);
    add_wrt_option(cmd, *o);
    add_at_option(cmd, *o);
    add_vars_option(cmd, *o);
    add_format_option(cmd, *o);
    cmd->callback([o] {
        Context ctx;
        Input in = read_input(ctx, *o);
        std::vector<Expr> wrt = wrt_variables(ctx, *o, in);
        Expr j = matrix_expr(ctx, jacobian(in.parsed.expr, wrt));
        JsonObject json = json_header("jacobian", in);
        json.raw("wrt", json_names(wrt));
        print_result(*o, in, json, "jacobian", j);
    });
}

} // namespace symdiff::cli
