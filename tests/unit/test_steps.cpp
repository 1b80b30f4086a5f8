// Step-by-step derivations: the rules named, every intermediate result correct, the last step
// exactly simplify(diff(f, x)), and golden files of the tutorials' chain-rule examples
// (tests/golden/steps/NAME.input -> NAME.expected; SYMDIFF_UPDATE_GOLDEN=1 rewrites them).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/simplify.hpp"
#include "symdiff/steps.hpp"

using namespace symdiff;
namespace fs = std::filesystem;

namespace {

const fs::path kGoldenDir = fs::path(SYMDIFF_SOURCE_DIR) / "tests" / "golden" / "steps";

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Each step's result with its pending derivatives replaced by their true values must equal
// the derivative: no step may change the answer.
void require_every_step_sound(const Derivation& d, std::mt19937_64& rng) {
    std::vector<std::pair<Expr, Expr>> truth;
    for (const auto& [ph, target] : d.pending) truth.emplace_back(ph, diff(target, d.var));
    Expr want = diff(d.function, d.var);
    std::uniform_real_distribution<double> u(0.2, 1.9);
    for (const DerivationStep& s : d.steps) {
        Expr got = substitute(s.result, truth);
        for (int t = 0; t < 4; ++t) {
            Bindings at;
            for (Expr v : free_symbols(d.function)) at[v.name()] = u(rng);
            double a = evaluate(want, at), b = evaluate(got, at);
            if (!std::isfinite(a)) continue;
            INFO("step '" << s.rule << "': " << render_step_expr(d, s.result));
            REQUIRE(std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(a)));
        }
    }
}

} // namespace

TEST_CASE("steps: the chain rule names its outer and inner functions", "[steps]") {
    Context c;
    Expr x = c.symbol("x");
    Expr f = parse_expr(c, "(3x + 1)^2");
    Derivation d = derive_steps(f, x);
    REQUIRE(d.steps.size() == 3);
    REQUIRE(d.steps[0].rule == "chain rule with the power rule");
    REQUIRE(to_string(d.steps[0].inner) == "3*x + 1");
    REQUIRE(to_string(d.steps[0].outer) == "u^2");
    REQUIRE(to_string(d.steps[0].outer_derivative) == "2*u");
    REQUIRE(d.steps[1].rule == "sum rule");
    REQUIRE(d.steps[2].rule == "constant multiple rule");
    REQUIRE(d.result == simplify(diff(f, x)));
    REQUIRE(d.steps.back().result == d.result);
    REQUIRE(render_steps(d) ==
            "d/dx[(3*x + 1)^2]\n"
            "1. chain rule with the power rule, outer f(u) = u^2, f'(u) = 2*u, inner u = 3*x + 1: "
            "d/dx[(3*x + 1)^2] = 2*(3*x + 1)*d/dx[3*x + 1]\n"
            "2. sum rule: d/dx[3*x + 1] = d/dx[3*x], since d/dx[1] = 0\n"
            "   = 2*(3*x + 1)*d/dx[3*x]\n"
            "3. constant multiple rule: d/dx[3*x] = 3\n"
            "   = 6*(3*x + 1)\n");
}

TEST_CASE("steps: rule names for each kind of expression", "[steps]") {
    Context c;
    Expr x = c.symbol("x");
    auto first = [&](const char* text) { return derive_steps(parse_expr(c, text), x).steps.front().rule; };
    REQUIRE(first("x^3") == "power rule");
    REQUIRE(first("x^2 + sin(x)") == "sum rule");
    REQUIRE(first("5*x^3") == "constant multiple rule");
    REQUIRE(first("x^2*sin(x)") == "product rule");
    REQUIRE(first("sin(x)/x") == "quotient rule");
    REQUIRE(first("sin(x)") == "sin rule");
    REQUIRE(first("sin(x^2)") == "chain rule with the sin rule");
    REQUIRE(first("2^x") == "exponential rule");
    REQUIRE(first("2^(x^2)") == "chain rule with the exponential rule");
    REQUIRE(first("x^x") == "general power rule, f^g = exp(g*ln(f))");
    REQUIRE(first("atan2(x, x^2 + 1)") == "atan2 rule (the chain rule in each argument)");
    REQUIRE(first("7") == "constant rule");
    // the stand-in for the inner function avoids the function's own names
    Derivation d = derive_steps(parse_expr(c, "sin(u*x)"), x);
    REQUIRE(to_string(d.steps[0].outer) == "sin(v)");
}

TEST_CASE("steps: the last step is diff + simplify and every step is sound", "[steps]") {
    std::mt19937_64 rng(7);
    int derivations = 0;
    // the corpus's shapes
    const char* texts[] = {"(2*x+1)^3", "sin(x^2)", "x^2*sin(x)", "sigmoid(w*x+b)", "(sigmoid(w*x+b)-y)^2",
                           "exp(x)/(exp(x)+exp(y))", "ln(x)/ln(a)", "x^2/x^3", "tan(x)", "(x^3+1)^4", "sin(x)^2",
                           "sigmoid(w2*sigmoid(x*w1+b1)+b2)", "x^x", "sqrt(x^2+1)", "relu(x^2-1)*max(x, 2*x)"};
    for (const char* t : texts) {
        Context c;
        Derivation d = derive_steps(parse_expr(c, t), c.symbol("x"));
        INFO(t);
        REQUIRE(d.steps.back().result == simplify(diff(d.function, d.var)));
        require_every_step_sound(d, rng);
        ++derivations;
    }
    // random expressions with every function
    Context ctx;
    testing::RandomExprOptions opt;
    opt.smooth = true;
    Expr x = ctx.symbol("x");
    for (int i = 0; i < 200; ++i) {
        opt.max_depth = 1 + i % 4;
        testing::RandomExpr gen(ctx, 99 + static_cast<std::uint64_t>(i), opt);
        Expr f = gen.next();
        INFO("random expression " << i << ": " << to_string(f));
        Derivation d = derive_steps(f, x);
        REQUIRE(d.steps.back().result == simplify(diff(f, x)));
        require_every_step_sound(d, rng);
        ++derivations;
    }
    REQUIRE(derivations == 215);
}

TEST_CASE("steps: golden derivations of the tutorials' chain-rule examples", "[steps][golden]") {
    int files = 0;
    for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
        if (entry.path().extension() != ".input") continue;
        ++files;
        // NAME.input: the expression on the first line, the variable on the second.
        std::istringstream in(read_file(entry.path()));
        std::string text, var;
        std::getline(in, text);
        std::getline(in, var);
        Context c;
        Derivation d = derive_steps(parse_expr(c, text), c.symbol(var));
        std::string actual = render_steps(d, Format::Text) + "\n" + render_steps(d, Format::Unicode) + "\n" +
                             render_steps(d, Format::Latex);
        fs::path expected_path = entry.path();
        expected_path.replace_extension(".expected");
        if (std::getenv("SYMDIFF_UPDATE_GOLDEN")) std::ofstream(expected_path, std::ios::binary) << actual;
        INFO(entry.path().filename().string() << " (SYMDIFF_UPDATE_GOLDEN=1 rewrites it)");
        REQUIRE(actual == read_file(expected_path));
    }
    REQUIRE(files >= 10);
}
