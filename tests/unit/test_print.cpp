// Printing: re-sugared text that parses back to the same node, the other formats, the golden
// files in tests/golden/print/, and expressions too deep for a recursive printer.
//
// Golden files: each tests/golden/print/NAME.input holds one expression per line ('#' starts
// a comment line); NAME.expected holds, per expression, its print in every format. Run with
// SYMDIFF_UPDATE_GOLDEN=1 to rewrite the .expected files after an intended change.
// derived.expected has no .input: its expressions (Guard, Vec) are built in the test.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

namespace {

struct Fixture {
    Context c;
    Expr x = c.symbol("x"), y = c.symbol("y"), z = c.symbol("z");
    Expr n(std::int64_t v) { return c.integer(v); }
    Expr p(std::string_view text) { return parse_expr(c, text); }
    std::string text(Expr e) { return to_string(e); }
    std::string text(std::string_view s) { return to_string(p(s)); }
};

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::filesystem::path kGoldenDir = std::filesystem::path(SYMDIFF_SOURCE_DIR) / "tests/golden/print";

// Every format of e, as it appears in a .expected file.
std::string format_block(Expr e) {
    std::string out;
    // C refuses sums and vectors: the golden records the message.
    for (Format f : {Format::Text, Format::Unicode, Format::Latex, Format::C, Format::Json}) {
        try {
            out += std::string(format_name(f)) + ": " + to_string(e, f) + "\n";
        } catch (const Error& err) {
            out += std::string(format_name(f)) + ": error: " + err.what() + "\n";
        }
    }
    return out + "sexpr: " + to_sexpr(e) + "\n\n";
}

// Every format of one input line, as it appears in a .expected file.
std::string golden_block(const std::string& line) {
    std::string out = "input: " + line + "\n";
    Context c;
    Expr e;
    try {
        e = parse_expr(c, line);
    } catch (const Error& err) {
        return out + "error: " + err.what() + "\n\n";
    }
    return out + format_block(e);
}

bool updating_goldens() {
    const char* v = std::getenv("SYMDIFF_UPDATE_GOLDEN");
    return v && std::string(v) == "1";
}

std::vector<std::string> input_lines(const std::filesystem::path& path) {
    std::vector<std::string> lines;
    std::istringstream in(read_file(path));
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#') lines.push_back(line);
    return lines;
}

} // namespace

TEST_CASE("print: subtraction and division are re-sugared", "[print]") {
    Fixture f;
    Expr x = f.x, y = f.y;
    REQUIRE(f.text(x - y) == "x - y");
    REQUIRE(f.text(x / y) == "x/y");
    REQUIRE(f.text(f.n(2) * x / f.n(3)) == "2*x/3");
    REQUIRE(f.text(x / f.n(3)) == "x/3");
    REQUIRE(f.text(f.n(1) / (x * y)) == "1/(x*y)");
    REQUIRE(f.text(f.n(1) / pow(x, f.n(2))) == "1/x^2");
    REQUIRE(f.text(-f.n(2) / pow(x, f.n(3))) == "-2/x^3");
    REQUIRE(f.text(-x) == "-x");
    REQUIRE(f.text(-(x * y)) == "-x*y");
    REQUIRE(f.text(-(x + y)) == "-(x + y)");
    REQUIRE(f.text(f.c.add({x, f.c.mul({f.n(-1), f.c.add({y, f.z})})})) == "x - (y + z)");
    REQUIRE(f.text(f.c.rational(1, 2) * x) == "x/2");
    REQUIRE(f.text(f.c.number(Number::decimal(1, 2)) * x) == "0.5*x"); // typed as a decimal, kept
    REQUIRE(f.text(f.c.rational(1, 3) * x * y) == "x*y/3");
    REQUIRE(f.text(f.c.rational(-1, 3) / y) == "-1/(3*y)");
    REQUIRE(f.text(f.c.rational(1, 3)) == "1/3");
}

TEST_CASE("print: polynomial display order", "[print]") {
    Fixture f;
    Expr x = f.x, y = f.y;
    REQUIRE(f.text(pow(x, f.n(2)) - f.n(3) * x + f.n(2)) == "x^2 - 3*x + 2");
    REQUIRE(f.text(f.n(2) - f.n(3) * x + pow(x, f.n(2))) == "x^2 - 3*x + 2");
    REQUIRE(f.text(f.n(1) - x) == "1 - x");
    REQUIRE(f.text(y - pow(x, f.n(2))) == "y - x^2");
    REQUIRE(f.text(pow(y, f.n(2)) + x * y + pow(x, f.n(2))) == "x^2 + x*y + y^2");
    REQUIRE(f.text(f.n(-1) - x) == "-x - 1");
    REQUIRE(f.text(f.c.symbol("w") * x + f.c.symbol("b") - y) == "w*x + b - y");
}

TEST_CASE("print: Rosenbrock in tutorial form", "[print]") {
    Fixture f;
    Expr x = f.x, y = f.y;
    Expr rosen = pow(f.n(1) - x, f.n(2)) + f.n(100) * pow(y - pow(x, f.n(2)), f.n(2));
    REQUIRE(f.text(rosen) == "(1 - x)^2 + 100*(y - x^2)^2");
    Expr dx = f.c.add({f.c.mul({f.n(-2), f.n(1) - x}), f.c.mul({f.n(-400), x, y - pow(x, f.n(2))})});
    REQUIRE(f.text(dx) == "-2*(1 - x) - 400*x*(y - x^2)");
    REQUIRE(f.text(f.c.mul({f.n(200), y - pow(x, f.n(2))})) == "200*(y - x^2)");
}

TEST_CASE("print: powers, roots and constants", "[print]") {
    Fixture f;
    Expr x = f.x, y = f.y, z = f.z;
    REQUIRE(f.text(f.c.sqrt(x)) == "sqrt(x)");
    REQUIRE(f.text(pow(x, f.c.rational(-1, 2))) == "1/sqrt(x)");
    REQUIRE(f.text(pow(x, f.c.rational(1, 3))) == "x^(1/3)");
    REQUIRE(f.text(pow(x, f.c.rational(-1, 3))) == "1/x^(1/3)");
    REQUIRE(f.text(pow(x, f.c.rational(5, 2))) == "x^(5/2)");
    REQUIRE(f.text(pow(x, f.c.number(Number::decimal(5, 2)))) == "x^2.5");
    REQUIRE(f.text(pow(x, f.c.number(Number::decimal(1, 2)))) == "x^0.5"); // sqrt(x) is x^(1/2)
    REQUIRE(f.text(pow(f.n(-2), x)) == "(-2)^x");
    REQUIRE(f.text(pow(f.c.rational(1, 3), x)) == "(1/3)^x");
    REQUIRE(f.text(-pow(x, f.n(2))) == "-x^2");
    REQUIRE(f.text(pow(x, pow(y, z))) == "x^y^z");
    REQUIRE(f.text(pow(pow(x, f.n(2)), y)) == "(x^2)^y");
    REQUIRE(f.text(pow(x, -y)) == "x^(-y)");
    REQUIRE(f.text(pow(x, f.n(2) * y)) == "x^(2*y)");
    REQUIRE(f.text(pow(x + y, f.n(3))) == "(x + y)^3");
    REQUIRE(f.text(f.c.e()) == "e");
    REQUIRE(f.text(f.c.call(Op::Exp, {x})) == "exp(x)");
    REQUIRE(f.text(f.c.call(Op::Log, {x})) == "ln(x)");
    REQUIRE(f.text(f.c.pi() * f.n(2) * x) == "2*pi*x");
    REQUIRE(f.text(f.c.call(Op::Atan2, {y, x})) == "atan2(y, x)");
    REQUIRE(f.text(f.c.list({x, f.n(1) - x, y})) == "[x, 1 - x, y]");
    REQUIRE(f.text(f.c.real(std::numeric_limits<double>::infinity())) == "inf");
    REQUIRE(f.text(f.c.real(-std::numeric_limits<double>::infinity())) == "-inf");
    REQUIRE(f.text(f.c.real(std::numeric_limits<double>::quiet_NaN())) == "nan");
    REQUIRE(f.text(f.c.real(0.1 + 0.2) * x) == "0.30000000000000004*x");
    REQUIRE(f.text(f.c.real(1e300)) == "1e+300");
}

TEST_CASE("print: products order coefficient, constants, variables, the rest", "[print]") {
    Fixture f;
    Expr x = f.x, y = f.y;
    REQUIRE(f.text(f.c.call(Op::Sin, {x}) * x * f.n(2)) == "2*x*sin(x)");
    REQUIRE(f.text(f.c.call(Op::Cos, {x}) * pow(x, f.n(2))) == "x^2*cos(x)");
    REQUIRE(f.text(y * pow(x, f.n(2))) == "x^2*y");
    Expr s = f.c.call(Op::Sigmoid, {x});
    REQUIRE(f.text((f.n(1) - s) * s) == "sigmoid(x)*(1 - sigmoid(x))");
}

TEST_CASE("print: the tutorial forms", "[print]") {
    Fixture f;
    REQUIRE(f.text("x^2 - 3x + 2") == "x^2 - 3*x + 2");
    REQUIRE(f.text("(1-x)^2+100*(y-x^2)^2") == "(1 - x)^2 + 100*(y - x^2)^2");
    REQUIRE(f.text("-2*(1-x)-400*x*(y-x^2)") == "-2*(1 - x) - 400*x*(y - x^2)");
    REQUIRE(f.text("x^2+0.5*y^2") == "x^2 + 0.5*y^2");
    REQUIRE(f.text("1/x^2") == "1/x^2");
    REQUIRE(f.text("x^(-1/2)") == "1/sqrt(x)");
    REQUIRE(f.text("2^3^x") == "2^3^x");
    REQUIRE(f.text("e^x") == "exp(x)");
    REQUIRE(f.text("ln(x)/ln(a)") == "ln(x)/ln(a)");
}

TEST_CASE("print: unicode", "[print]") {
    Fixture f;
    auto u = [&](std::string_view s) { return to_string(f.p(s), Format::Unicode); };
    REQUIRE(u("x^2 - 3*x + 2") == "x² − 3·x + 2");
    REQUIRE(u("sqrt(x)") == "√x");
    REQUIRE(u("sqrt(x+1)") == "√(x + 1)");
    REQUIRE(u("2*pi*r") == "2·π·r");
    REQUIRE(u("1/x^12") == "1/x¹²");
    REQUIRE(u("-x") == "−x");
}

TEST_CASE("print: latex", "[print]") {
    Fixture f;
    auto l = [&](std::string_view s) { return to_string(f.p(s), Format::Latex); };
    REQUIRE(l("x^2 - 3*x + 2") == "x^{2} - 3 x + 2");
    REQUIRE(l("2*x/3") == "\\frac{2 x}{3}");
    REQUIRE(l("sqrt(x)") == "\\sqrt{x}");
    REQUIRE(l("sin(x)") == "\\sin\\left(x\\right)");
    REQUIRE(l("pi") == "\\pi");
    REQUIRE(l("exp(x)") == "e^{x}");
    REQUIRE(l("(x+1)^2") == "\\left(x + 1\\right)^{2}");
    REQUIRE(l("theta_1 + x1") == "\\theta_{1} + x_{1}");
    REQUIRE(l("abs(x)") == "\\left|x\\right|");
    REQUIRE(l("2*3^x") == "2 \\cdot 3^{x}");
}

TEST_CASE("print: C", "[print]") {
    Fixture f;
    auto cc = [&](std::string_view s) { return to_string(f.p(s), Format::C); };
    REQUIRE(cc("x^2 - 3*x + 2") == "pow(x, 2.0) - 3.0*x + 2.0");
    REQUIRE(cc("x/3") == "0.3333333333333333*x");
    REQUIRE(cc("1/x") == "1.0/x");
    REQUIRE(cc("sqrt(x)") == "sqrt(x)");
    REQUIRE(cc("abs(x)") == "fabs(x)");
    REQUIRE(cc("ln(x)") == "log(x)");
    REQUIRE(cc("sigmoid(x)") == "(1.0/(1.0 + exp(-x)))");
    REQUIRE(cc("relu(x)") == "fmax(x, 0.0)");
    REQUIRE(cc("heaviside(x)") == "(x > 0 ? 1.0 : 0.0)");
    REQUIRE(cc("sign(x)") == "(x > 0 ? 1.0 : x < 0 ? -1.0 : x)");
    REQUIRE(cc("softplus(x)") == "(fmax(x, 0.0) + log1p(exp(-fabs(x))))");
    REQUIRE(cc("max(x, y)") == "(isnan(x) || x > y ? x : y)");
    REQUIRE(cc("pi*x") == "3.141592653589793*x");
}

TEST_CASE("print: json and s-expressions show the stored form", "[print]") {
    Fixture f;
    Expr e = f.c.add({f.n(2), f.n(-3) * f.x, pow(f.x, f.n(2))});
    std::string sx = to_sexpr(e);
    REQUIRE(sx.rfind("(add 2 ", 0) == 0);
    REQUIRE(sx.find("(mul -3 x)") != std::string::npos);
    REQUIRE(sx.find("(pow x 2)") != std::string::npos);
    auto j = nlohmann::json::parse(to_string(f.c.rational(1, 3) * f.x + f.c.pi(), Format::Json));
    REQUIRE(j["op"] == "add");
    REQUIRE(j["args"].size() == 2);
    bool saw_num = false;
    for (auto& a : j["args"]) {
        if (a.contains("const")) REQUIRE(a["const"] == "pi");
        if (a.contains("op")) {
            REQUIRE(a["op"] == "mul");
            REQUIRE(a["args"][0]["num"] == "1/3");
            REQUIRE(a["args"][0]["value"] == 1.0 / 3.0);
            REQUIRE(a["args"][1]["sym"] == "x");
            saw_num = true;
        }
    }
    REQUIRE(saw_num);
    auto inf = nlohmann::json::parse(to_string(f.c.real(std::numeric_limits<double>::infinity()), Format::Json));
    REQUIRE(inf["num"] == "inf");
    REQUIRE(inf["value"].is_null());
}

TEST_CASE("print: vectors and reductions in every format", "[print][vectors]") {
    Fixture f;
    Context& c = f.c;
    Expr x = f.x, k = c.symbol("k"), i = c.symbol("i"), n = c.symbol("n");
    auto all = [&](Expr e) {
        std::vector<std::string> out;
        for (Format fm : {Format::Text, Format::Unicode, Format::Latex}) out.push_back(to_string(e, fm));
        return out;
    };
    using V = std::vector<std::string>;
    CHECK(all(c.at(x, i + f.n(1))) == V{"x[i + 1]", "x[i + 1]", "x_{i+1}"});
    CHECK(all(c.at(x, n - f.n(1))) == V{"x[n - 1]", "x[n − 1]", "x_{n-1}"});
    CHECK(all(c.len(x)) == V{"len(x)", "len(x)", "\\operatorname{len}\\left(x\\right)"});
    Expr rosen = f.p("sum(i = 1..n-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)");
    CHECK(all(rosen) == V{"sum(i = 1..n - 1, (1 - x[i])^2 + 100*(x[i + 1] - x[i]^2)^2)",
                          "sum(i = 1..n − 1, (1 − x[i])² + 100·(x[i + 1] − x[i]²)²)",
                          "\\sum_{i=1}^{n-1} \\left(\\left(1 - x_{i}\\right)^{2} + 100 \\left(x_{i+1} - x_{i}^{2}\\right)^{2}\\right)"});
    CHECK(all(c.row_sum(x * f.y)) == V{"sum(x*y)", "sum(x·y)", "\\sum \\left(x y\\right)"});
    CHECK(all(c.row_mean(pow(x - f.y, f.n(2)))) ==
          V{"mean((x - y)^2)", "mean((x − y)²)", "\\operatorname{mean}\\left(\\left(x - y\\right)^{2}\\right)"});
    // Guard and Vec come from derivatives by a vector; they print for reading.
    Expr guard = c.guard(k, f.n(2), n, c.at(x, k - f.n(1)));
    CHECK(all(guard) == V{"(x[k - 1] if 2 <= k <= n)", "(x[k − 1] if 2 ≤ k ≤ n)",
                          "\\left[2 \\le k \\le n\\right] \\left(x_{k-1}\\right)"});
    Expr vec = c.vec(k, f.n(1), c.len(x), f.n(2) * c.at(x, k) + guard);
    CHECK(all(vec) == V{"[2*x[k] + (x[k - 1] if 2 <= k <= n) for k = 1..len(x)]",
                        "[2·x[k] + (x[k − 1] if 2 ≤ k ≤ n) for k = 1..len(x)]",
                        "\\left[2 x_{k} + \\left[2 \\le k \\le n\\right] \\left(x_{k-1}\\right)\\right]_{k=1}^{\\operatorname{len}\\left(x\\right)}"});
    // In LaTeX an index sum is a product of its parts: a power of one needs parentheses.
    CHECK(to_string(pow(c.sum(i, f.n(1), n, c.at(x, i)), f.n(2)), Format::Latex) ==
          "\\left(\\sum_{i=1}^{n} \\left(x_{i}\\right)\\right)^{2}");
    CHECK(to_string(pow(c.row_mean(x), f.n(2)), Format::Latex) == "\\operatorname{mean}\\left(x\\right)^{2}");
    // C has no loops in an expression.
    for (Expr e : {c.at(x, i), c.len(x), rosen, c.row_sum(x), c.row_mean(x), guard, vec, f.n(1) + c.row_mean(x)})
        CHECK_THROWS_WITH(to_string(e, Format::C),
                          "C output of sums and vectors is not supported; use `symdiff compile --emit c`");
}

TEST_CASE("print: data reductions read residual first, as the tutorials write them", "[print][vectors]") {
    Fixture f;
    // d/dm mean((m*x + b - y)^2) and d/db, as the derivative builds them.
    Expr m = f.c.symbol("m"), b = f.c.symbol("b"), x = f.x, y = f.y;
    Expr r = m * x + b - y;
    REQUIRE(f.text(f.c.row_mean(f.n(2) * r * x)) == "2*mean((m*x + b - y)*x)");
    REQUIRE(f.text(f.c.row_mean(f.n(2) * r)) == "2*mean(m*x + b - y)");
    REQUIRE(f.text(f.c.row_mean(pow(r, f.n(2)))) == "mean((m*x + b - y)^2)");
    REQUIRE(f.text("mean(x*(p - y))") == "mean((p - y)*x)");
    REQUIRE(f.text("sum(-x*(p - y)*pi)") == "-sum(pi*(p - y)*x)");
    // Outside a data reduction the usual order stands: variables before sums.
    REQUIRE(f.text("(m*x + b - y)*x") == "x*(m*x + b - y)");
    REQUIRE(f.text("sum(i = 1..n, (x[i] - y)*x[i])") == "sum(i = 1..n, x[i]*(x[i] - y))");
}

TEST_CASE("print: json of vectors and reductions names their parts", "[print][vectors]") {
    Fixture f;
    Context& c = f.c;
    Expr x = f.x, i = c.symbol("i"), k = c.symbol("k"), n = c.symbol("n");
    auto j = nlohmann::json::parse(to_string(c.at(x, i + f.n(1)), Format::Json));
    REQUIRE(j["op"] == "at");
    REQUIRE(j["vector"]["sym"] == "x");
    REQUIRE(j["index"]["op"] == "add");
    REQUIRE(!j.contains("args"));
    j = nlohmann::json::parse(to_string(c.sum(i, f.n(1), n - f.n(1), c.at(x, i)), Format::Json));
    REQUIRE(j["op"] == "sum");
    REQUIRE(j["index"]["sym"] == "i");
    REQUIRE(j["lo"]["num"] == "1");
    REQUIRE(j["hi"]["op"] == "add");
    REQUIRE(j["body"]["op"] == "at");
    for (Expr e : {c.guard(k, f.n(1), n, x), c.vec(k, f.n(1), n, c.at(x, k))}) {
        j = nlohmann::json::parse(to_string(e, Format::Json));
        REQUIRE(j["index"]["sym"] == "k");
        REQUIRE(j["lo"]["num"] == "1");
        REQUIRE(j["hi"]["sym"] == "n");
        REQUIRE(j.contains("body"));
    }
    REQUIRE(nlohmann::json::parse(to_string(c.guard(k, f.n(1), n, x), Format::Json))["op"] == "guard");
    REQUIRE(nlohmann::json::parse(to_string(c.vec(k, f.n(1), n, x), Format::Json))["op"] == "vec");
    j = nlohmann::json::parse(to_string(c.row_sum(x * f.y), Format::Json));
    REQUIRE(j["op"] == "rowsum");
    REQUIRE(j["args"].size() == 1);
    j = nlohmann::json::parse(to_string(c.row_mean(x * f.y), Format::Json));
    REQUIRE(j["op"] == "rowmean");
    REQUIRE(j["args"][0]["op"] == "mul");
    REQUIRE(to_string(c.len(x), Format::Json) == "{\"op\":\"len\",\"args\":[{\"sym\":\"x\"}]}");
    REQUIRE(to_sexpr(c.sum(i, f.n(1), n, c.at(x, i))) == "(sum i 1 n (at x i))");
}

TEST_CASE("print: golden of Guard and Vec, which only derivatives make", "[print][golden][vectors]") {
    // They cannot be parsed, so they are built here; derived.expected holds their prints.
    Context c;
    Expr x = c.symbol("x"), k = c.symbol("k"), n = c.symbol("n"), w = c.symbol("w");
    auto at = [&](Expr index) { return c.at(x, index); };
    Expr one = c.integer(1), two = c.integer(2);
    Expr below = c.guard(k, two, n, c.integer(200) * (at(k) - pow(at(k - one), two)));
    Expr above = c.guard(k, one, n - one,
                         c.integer(-2) * (one - at(k)) - c.integer(400) * at(k) * (at(k + one) - pow(at(k), two)));
    std::vector<std::pair<std::string, Expr>> cases = {
        {"guard: x[k - 1] where 2 <= k <= n", c.guard(k, two, n, at(k - one))},
        {"guard of a sum, times a parameter", w * above},
        {"guard squared", pow(below, two)},
        {"vec: 2*x[k] for k = 1..n", c.vec(k, one, n, two * at(k))},
        {"vec: the gradient of extended Rosenbrock", c.vec(k, one, c.len(x), below + above)},
        {"list of a vec and a scalar", c.list({c.vec(k, one, n, at(k)), c.row_mean(w * x)})},
    };
    std::string actual;
    for (const auto& [label, e] : cases) actual += "case: " + label + "\n" + format_block(e);
    const std::filesystem::path path = kGoldenDir / "derived.expected";
    if (updating_goldens()) {
        std::ofstream(path, std::ios::binary) << actual;
        return;
    }
    REQUIRE(actual == read_file(path));
}

TEST_CASE("print: format names", "[print]") {
    for (Format fm : {Format::Text, Format::Unicode, Format::Latex, Format::C, Format::Json})
        REQUIRE(format_from_name(format_name(fm)) == fm);
    REQUIRE_FALSE(format_from_name("html"));
}

TEST_CASE("print: deep expressions print without recursion", "[print][deep]") {
    Fixture f;
    Expr e = f.x;
    for (int i = 0; i < 50000; ++i) e = f.c.call(Op::Sin, {e});
    std::string s = to_string(e);
    REQUIRE(s.size() == 50000 * 5 + 1);
    REQUIRE(s.rfind("sin(sin(", 0) == 0);
    for (Format fm : {Format::Unicode, Format::Latex, Format::C, Format::Json}) REQUIRE(!to_string(e, fm).empty());
    REQUIRE(!to_sexpr(e).empty());

    Expr d = f.x;
    for (int i = 0; i < 100000 - 1; ++i) d = f.c.call(Op::Tanh, {d});
    REQUIRE(d.height() == 100000);
    REQUIRE(!to_string(d).empty());
    Expr deeper = f.c.call(Op::Tanh, {d});
    REQUIRE_THROWS_WITH(to_string(deeper), "expression too deep to print");
    REQUIRE_THROWS_WITH(to_sexpr(deeper), "expression too deep to print");

    // Nested sums and powers alternate the re-sugaring paths all the way down.
    Expr g = f.x;
    for (int i = 0; i < 20000; ++i) g = pow(g + f.n(1), f.y) - f.n(2) * f.x;
    REQUIRE(!to_string(g).empty());
}

TEST_CASE("print: a DAG too large to print as a tree is an error, not an endless loop", "[print][deep]") {
    Fixture f;
    Expr d = f.x;
    for (int i = 0; i < 60; ++i) d = f.c.call(Op::Cos, {d}) + f.c.call(Op::Sin, {d});
    REQUIRE_THROWS_WITH(to_string(d), "expression too large to print");
    REQUIRE_THROWS_WITH(to_string(d, Format::Json), "expression too large to print");
}

TEST_CASE("print: golden files", "[print][golden]") {
    const bool update = updating_goldens();
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kGoldenDir)) {
        if (entry.path().extension() != ".input") continue;
        ++files;
        std::string actual;
        for (const std::string& line : input_lines(entry.path())) actual += golden_block(line);
        std::filesystem::path expected_path = entry.path();
        expected_path.replace_extension(".expected");
        if (update) {
            std::ofstream(expected_path, std::ios::binary) << actual;
            continue;
        }
        std::string expected = read_file(expected_path);
        if (actual != expected) {
            std::istringstream a(actual), b(expected);
            std::string la, lb;
            int n = 0;
            while (true) {
                ++n;
                bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
                if (!ga && !gb) break;
                if (la != lb || ga != gb) {
                    INFO(expected_path.filename().string() << " line " << n << "\n  expected: " << lb << "\n  actual:   " << la
                                                           << "\n(SYMDIFF_UPDATE_GOLDEN=1 rewrites the file)");
                    FAIL_CHECK("golden mismatch");
                    break;
                }
            }
        }
    }
    REQUIRE(files >= 2);
}

TEST_CASE("print: the golden inputs cover every seed-case expression", "[print][golden]") {
    // The corpus is JSON with bare NaN literals, which strict parsers refuse: read the "expr"
    // strings alone, decoding each string literal as JSON.
    std::string corpus = read_file(std::filesystem::path(SYMDIFF_SHARED_DIR) / "acceptance/seed_cases.json");
    REQUIRE(!corpus.empty());
    auto lines = input_lines(kGoldenDir / "seed_cases.input");
    std::set<std::string> have(lines.begin(), lines.end());
    static const std::regex expr_field(R"re("expr"\s*:\s*("(?:[^"\\]|\\.)*"))re");
    int seen = 0;
    for (std::sregex_iterator it(corpus.begin(), corpus.end(), expr_field), end; it != end; ++it) {
        std::string expr = nlohmann::json::parse((*it)[1].str()).get<std::string>();
        INFO(expr);
        REQUIRE(have.count(expr) == 1);
        ++seen;
    }
    REQUIRE(seen > 100);
}

TEST_CASE("print: text and unicode of the golden inputs parse back to the same node", "[print][golden]") {
    for (const auto& entry : std::filesystem::directory_iterator(kGoldenDir)) {
        if (entry.path().extension() != ".input") continue;
        for (const std::string& line : input_lines(entry.path())) {
            Context c;
            Expr e;
            try {
                e = parse_expr(c, line);
            } catch (const Error&) {
                continue;
            }
            std::string t = to_string(e), u = to_string(e, Format::Unicode);
            INFO(line << "\n  text:    " << t << "\n  unicode: " << u);
            REQUIRE(parse_expr(c, t) == e);
            REQUIRE(parse_expr(c, u) == e);
        }
    }
}
