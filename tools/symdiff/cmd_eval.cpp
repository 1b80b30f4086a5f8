// `symdiff eval EXPR --at x=1,y=2`: the value of an expression, alone on the last line.
// Sums, indexed vectors (--at x=[1,2,3]) and data rows (--data file.csv) go to the loop
// interpreter; everything else to the Interpreter. --backend auto|jit|interp: through the JIT
// when the cost model says it pays (lib/eval/engine.cpp), which for one point it never does.
#include "common.hpp"
#include "points.hpp"

namespace symdiff::cli {

void register_eval(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto d = std::make_shared<DataOptions>();
    auto backend = std::make_shared<EvalBackend>(EvalBackend::Auto);
    auto table = std::make_shared<TableOptions>();
    auto* cmd = add_command(app, "eval", "Evaluate an expression at a point (IEEE doubles: 1/0 is inf)");
    add_expr_argument(cmd, *o);
    add_at_option(cmd, *o);
    add_grid_option(cmd, *table);
    add_data_options(cmd, *d);
    add_vars_option(cmd, *o);
    add_table_format_option(cmd, *o, *table);
    add_backend_option(cmd, *backend);
    cmd->callback([o, d, backend, table] {
        Context ctx;
        // Columns are declared variables: a column `wx` is one name, not w*x.
        const std::optional<DataSet> data = load_data(*d);
        Input in = read_input(ctx, *o, data ? data->names : std::vector<std::string>{});
        if (data) check_list_values(in.at, in.parsed.expr, true);
        Expr e = in.parsed.expr;
        if (auto points = table_points(in, e, data, *table)) {
            std::vector<Expr> outputs;
            if (e.is(Op::List))
                for (std::size_t i = 0; i < e.size(); ++i) outputs.push_back(e[i]);
            else
                outputs.push_back(e);
            std::vector<std::string> headers;
            for (Expr out : outputs) {
                if (out.is(Op::List)) throw Error("a table of values takes a number or a flat list");
                headers.push_back(to_string(out, o->format == Format::Json ? Format::Text : o->format));
            }
            return print_table(*o, *table, in, "eval", *points, outputs, headers, *backend);
        }
        Value v;
        if (data || uses_loops(e) || has_vector_values(in)) {
            std::vector<Expr> outputs;
            if (e.is(Op::List))
                for (std::size_t i = 0; i < e.size(); ++i) outputs.push_back(e[i]);
            else
                outputs.push_back(e);
            for (Expr out : outputs)
                if (out.is(Op::List)) throw Error("eval over vectors or data takes a number or a flat list");
            LoopBinding b = bind_loops(in, data ? &*data : nullptr, outputs);
            // Ctrl-C or SIGTERM: the loop interpreter stops at its next block of 256 indices
            InterruptScope signals;
            b.stop = InterruptScope::flag();
            std::vector<Value> values;
            try {
                values = evaluate_loops(outputs, b, *backend);
            } catch (const Error&) {
                if (InterruptScope::status() == 0) throw;
                std::fputs("error: evaluation interrupted\n", stderr);
                throw CommandVerdict{InterruptScope::status()};
            }
            if (e.is(Op::List)) {
                v.is_list = true;
                v.items = std::move(values);
            } else {
                v = std::move(values.front());
            }
        } else {
            require_bound(in, e);
            v = evaluate_point(e, in, *backend);
        }
        if (o->format == Format::Json) {
            JsonObject json = json_header("eval", in);
            json.raw("expr", json_expr(e));
            if (data) json.raw("data", json_data(*d, *data));
            print_line(json.raw("value", json_value(v)).str());
        } else {
            // An exact value (1/3, 3*sqrt(2)) on a line of its own: the last line stays the bare value.
            if (!data && !v.is_list && !uses_loops(e)) {
                std::string exact = exact_line(in, e, v.scalar, o->format);
                if (!exact.empty()) print_line(exact);
            }
            print_line(value_text(v));
        }
    });
}

} // namespace symdiff::cli
