// `symdiff hessian EXPR [--wrt x,y] [--at x=1,y=2]`: the symmetric matrix of second partials.
#include "common.hpp"
#include "symdiff/diff.hpp"

namespace symdiff::cli {

Expr matrix_expr(Context& ctx, const std::vector<std::vector<Expr>>& m);
void print_result(const Options& o, const Input& in, JsonObject json, std::string_view key, Expr e);

void register_hessian(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* cmd = add_command(app, "hessian", "Hessian matrix of an expression, as a list of rows");
    add_expr_argument(cmd, *o);
    add_wrt_option(cmd, *o);
    add_at_option(cmd, *o);
    add_vars_option(cmd, *o);
    add_format_option(cmd, *o);
    cmd->callback([o] {
        Context ctx;
        Input in = read_input(ctx, *o);
        std::vector<Expr> wrt = wrt_variables(ctx, *o, in);
        Expr h = matrix_expr(ctx, hessian(in.parsed.expr, wrt));
        JsonObject json = json_header("hessian", in);
        json.raw("wrt", json_names(wrt));
        print_result(*o, in, json, "hessian", h);
    });
}

} // namespace symdiff::cli
