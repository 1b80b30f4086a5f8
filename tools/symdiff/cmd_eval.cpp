// `symdiff eval EXPR --at x=1,y=2`: the value of an expression, alone on the last line.
#include "common.hpp"

namespace symdiff::cli {

void register_eval(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* cmd = add_command(app, "eval", "Evaluate an expression at a point (IEEE doubles: 1/0 is inf)");
    add_expr_argument(cmd, *o);
    add_at_option(cmd, *o);
    add_vars_option(cmd, *o);
    add_format_option(cmd, *o);
    cmd->callback([o] {
        Context ctx;
        Input in = read_input(ctx, *o);
        Expr e = in.parsed.expr;
        require_bound(in, e);
        Value v = evaluate_value(e, bindings(in));
        if (o->format == Format::Json) {
            print_line(json_header("eval", in).raw("expr", json_expr(e)).raw("value", json_value(v)).str());
        } else {
            print_line(value_text(v));
        }
    });
}

} // namespace symdiff::cli
