// The shared body of `symdiff hessian` and `symdiff jacobian`.
#include "matrix_command.hpp"

namespace symdiff::cli {

Expr matrix_expr(Context& ctx, const std::vector<std::vector<Expr>>& m);
void print_result(const Options& o, const Input& in, JsonObject json, std::string_view key, Expr e);

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
        print_result(*o, in, json, name, m);
    });
}

} // namespace symdiff::cli
