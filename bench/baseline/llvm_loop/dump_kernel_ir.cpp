// Prints the f+grad kernel module of Rosenbrock ("2d") or extended Rosenbrock, n = 1000 ("ext"),
// as the JIT would compile it (emit_llvm_ir at -O3), for make_loop.py.
#include <cstdio>
#include <string>

#include "symdiff/jit.hpp"

using namespace symdiff;

int main(int argc, char** argv) {
    Context ctx;
    const Expr two = ctx.integer(2);
    std::vector<Expr> vars;
    Expr f;
    if (argc > 1 && std::string(argv[1]) == "2d") {
        vars = {ctx.symbol("x"), ctx.symbol("y")};
        f = pow(ctx.integer(1) - vars[0], two) + ctx.integer(100) * pow(vars[1] - pow(vars[0], two), two);
    } else {
        for (int i = 0; i < 1000; ++i) vars.push_back(ctx.symbol("x" + std::to_string(i + 1)));
        std::vector<Expr> terms;
        for (int i = 0; i + 1 < 1000; ++i) {
            terms.push_back(ctx.integer(100) * pow(vars[i + 1] - pow(vars[i], two), two));
            terms.push_back(pow(ctx.integer(1) - vars[i], two));
        }
        f = ctx.add(terms);
    }
    std::vector<KernelSpec> specs{{"k", value_and_gradient(f, vars)}};
    JitOptions o;
    o.opt_level = 3;
    std::fputs(emit_llvm_ir(specs, vars, o).c_str(), stdout);
}
