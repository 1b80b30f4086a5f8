// `symdiff compile EXPR [--emit llvm|asm|c]`: JIT-compile f and the fused f+∇f, show the
// generated code, or evaluate both natively with --at.
#include <chrono>
#include <cmath>

#include "common.hpp"
#include "symdiff/jit.hpp"

namespace symdiff::cli {

namespace {

struct CompileOptions {
    Options common;
    std::string emit;
    int opt_level = 2;
    bool fast_math = false;
    bool fp_contract = false;
};

} // namespace

void register_compile(CLI::App& app) {
    auto o = std::make_shared<CompileOptions>();
    auto* cmd = add_command(app, "compile",
                            "Compile f and its gradient to native code; --emit llvm, asm or c shows it");
    add_expr_argument(cmd, o->common);
    add_wrt_option(cmd, o->common);
    add_vars_option(cmd, o->common);
    add_at_option(cmd, o->common);
    add_format_option(cmd, o->common);
    cmd->add_option("--emit", o->emit, "Print the optimised LLVM IR, the host assembly, or portable C of f and f_grad")
        ->check(CLI::IsMember({"llvm", "asm", "c"}));
    cmd->add_option("-O,--opt-level", o->opt_level, "LLVM optimisation level 0..3")->check(CLI::Range(0, 3));
    cmd->add_flag("--fast-math", o->fast_math, "Let LLVM reassociate and approximate (results differ by rounding)");
    cmd->add_flag("--fp-contract", o->fp_contract,
                  "Let LLVM fuse a*b + c into one fma, nothing else (results differ by rounding)");
    cmd->callback([o] {
        Context ctx;
        Input in = read_input(ctx, o->common);
        Expr f = in.parsed.expr;
        if (f.is(Op::List)) throw Error("compile: EXPR must be a scalar function (f and its gradient are compiled)");
        std::vector<Expr> vars = wrt_variables(ctx, o->common, in);
        std::vector<KernelSpec> kernels{{"f", {f}}, {"f_grad", value_and_gradient(f, vars)}};
        JitOptions jit{.opt_level = o->opt_level, .fast_math = o->fast_math, .fp_contract = o->fp_contract};

        if (o->emit == "llvm") return print_line(emit_llvm_ir(kernels, vars, jit));
        if (o->emit == "asm") return print_line(emit_asm(kernels, vars, jit));
        if (o->emit == "c") return print_line(emit_c(kernels, vars, jit));

        auto t0 = std::chrono::steady_clock::now();
        // compile_gradient, not compile of the outputs: it rerolls a long flat sum into loops.
        CompiledFunction fg = compile_gradient(f, vars, jit);
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::string names;
        for (std::size_t i = 0; i < vars.size(); ++i) names += (i ? ", " : "") + vars[i].name();
        if (!in.has_at) {
            print_line("compiled f(" + names + ") and its gradient: " + std::to_string(fg.outputs()) +
                       " outputs from " + std::to_string(topological_order(kernels[1].outputs).size()) +
                       " DAG nodes at -O" + std::to_string(o->opt_level) + " in " + number_text(std::round(ms * 10) / 10) + " ms" +
                       (fg.rerolled() ? ", its flat sum rerolled into loops" : ""));
            return;
        }
        // Evaluate natively: the same numbers as `eval` and `grad --at` (bit for bit without
        // --fast-math and --fp-contract, unless rerolled).
        require_bound(in, f);
        Bindings at = bindings(in);
        std::vector<double> point(vars.size()), out(fg.outputs());
        for (std::size_t i = 0; i < vars.size(); ++i) {
            auto it = at.find(vars[i].name());
            if (it == at.end()) throw Error("unknown variable '" + vars[i].name() + "'");
            point[i] = it->second;
        }
        fg(point.data(), out.data());
        if (o->common.format == Format::Json) {
            std::string grad = "[";
            for (std::size_t i = 1; i < out.size(); ++i) grad += (i > 1 ? ", " : "") + json_number(out[i]);
            print_line(json_header("compile", in).raw("expr", json_expr(f)).raw("wrt", json_names(vars))
                           .raw("value", json_number(out[0])).raw("gradient", grad + "]").str());
            return;
        }
        std::string grad;
        for (std::size_t i = 1; i < out.size(); ++i) grad += (i > 1 ? ", " : "") + number_text(out[i]);
        print_line("f = " + number_text(out[0]));
        print_line("grad f = [" + grad + "]");
    });
}

} // namespace symdiff::cli
