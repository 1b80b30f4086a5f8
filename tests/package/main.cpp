// The package consumer: parses, evaluates and prints an expression through the installed
// library, and JIT-compiles it, so that linking proves fmt and LLVM come along.
#include <symdiff/eval.hpp>
#include <symdiff/jit.hpp>
#include <symdiff/parse.hpp>
#include <symdiff/print.hpp>

#include <cstdio>

int main() {
    symdiff::Context ctx;
    symdiff::Parsed p = symdiff::parse(ctx, "(1-x)^2 + 100*(y-x^2)^2");
    double v = symdiff::evaluate(p.expr, {{"x", -1.0}, {"y", 1.0}});
    std::printf("%s = %s at x=-1, y=1\n", symdiff::to_string(p.expr).c_str(), symdiff::shortest_double(v).c_str());

    symdiff::Expr outputs[] = {p.expr};
    symdiff::CompiledFunction f = symdiff::compile(outputs, p.variables);
    double in[] = {-1.0, 1.0}, out[1] = {0.0};
    f(in, out);
    std::printf("compiled: %s\n", symdiff::shortest_double(out[0]).c_str());
    return v == 4.0 && out[0] == 4.0 ? 0 : 1;
}
