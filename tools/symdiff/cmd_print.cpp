// `symdiff print EXPR`: the expression in canonical form, in any --format.
#include "common.hpp"

namespace symdiff::cli {

void register_print(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* cmd = add_command(app, "print", "Normalise an expression and print it (text, unicode, latex, c or json)");
    add_expr_argument(cmd, *o);
    add_vars_option(cmd, *o);
    add_format_option(cmd, *o);
    cmd->callback([o] {
        Context ctx;
        Input in = read_input(ctx, *o);
        Expr e = in.parsed.expr;
        if (o->format == Format::Json) {
            print_line(json_header("print", in).raw("expr", json_expr(e)).str());
        } else {
            print_line(to_string(e, o->format));
        }
    });
}

} // namespace symdiff::cli
