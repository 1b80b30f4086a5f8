// Parser: the meaning of every construct of the language (grammars/README.md).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

namespace {

struct Fixture {
    Context ctx;
    Expr p(std::string_view s, std::vector<std::string> vars = {}) {
        ParseOptions o;
        o.variables = std::move(vars);
        return parse_expr(ctx, s, o);
    }
    Expr x = ctx.symbol("x");
    Expr y = ctx.symbol("y");
    Expr n(std::int64_t v) { return ctx.integer(v); }
};

std::vector<std::string> names(const Parsed& r) {
    std::vector<std::string> out;
    for (Expr v : r.variables) out.push_back(v.name());
    return out;
}

} // namespace

TEST_CASE_METHOD(Fixture, "parse: numbers are exact rationals where they fit", "[parse]") {
    CHECK(p("3") == n(3));
    CHECK(p("2.5") == ctx.number(Number::decimal(5, 2)));
    CHECK(p(".5") == ctx.number(Number::decimal(1, 2)));
    CHECK(p("1e-3") == ctx.number(Number::decimal(1, 1000)));
    CHECK(p("2.") == n(2));
    CHECK(p("1E3") == n(1000));
    CHECK(p("0.1") == ctx.number(Number::decimal(1, 10)));
    CHECK(p("1e308") == ctx.real(1e308));
    CHECK(p("1e-400") == n(0));
}

TEST_CASE_METHOD(Fixture, "parse: constants pi, π, e, inf, nan", "[parse]") {
    CHECK(p("pi") == ctx.pi());
    CHECK(p("π") == ctx.pi());
    CHECK(p("e") == ctx.e());
    CHECK(p("inf") == ctx.real(INFINITY));
    CHECK(p("-inf") == ctx.real(-INFINITY));
    CHECK(p("nan") == ctx.real(NAN));
    CHECK(p("e^x") == ctx.call(Op::Exp, {x}));
    CHECK(p("2πr") == ctx.mul({n(2), ctx.pi(), ctx.symbol("r")}));
}

TEST_CASE_METHOD(Fixture, "parse: names", "[parse]") {
    CHECK(p("x1").name() == "x1");
    CHECK(p("w_0").name() == "w_0");
    CHECK(p("theta").name() == "theta");
    CHECK(p("θ").name() == "θ");
    CHECK(p("α + β") == ctx.add({ctx.symbol("α"), ctx.symbol("β")}));
    CHECK(p("_a").name() == "_a");
    CHECK(p("λ2").name() == "λ2");
}

TEST_CASE_METHOD(Fixture, "parse: power is right-associative and binds tighter than unary minus", "[parse]") {
    CHECK(p("2^3^2") == n(512));
    CHECK(p("2**3**2") == n(512));
    CHECK(p("(2^3)^2") == n(64));
    CHECK(p("-x^2") == ctx.neg(ctx.pow(x, n(2))));
    CHECK(p("-x^2") != ctx.pow(ctx.neg(x), n(2)));
    CHECK(p("(-x)^2") == ctx.pow(ctx.neg(x), n(2)));
    CHECK(p("x^-2") == ctx.pow(x, n(-2)));
    CHECK(p("x^-y^2") == ctx.pow(x, ctx.neg(ctx.pow(y, n(2)))));
    CHECK(p("x^+2") == ctx.pow(x, n(2)));
    CHECK(p("2^-1") == ctx.rational(1, 2));
    CHECK(p("- - x") == x);
    CHECK(p("--x") == x);
    CHECK(p("-+-x") == x);
    CHECK(p("x^y^x") == ctx.pow(x, ctx.pow(y, x)));
}

TEST_CASE_METHOD(Fixture, "parse: arithmetic and precedence", "[parse]") {
    CHECK(p("1+2*3") == n(7));
    CHECK(p("(1+2)*3") == n(9));
    CHECK(p("x-y") == ctx.sub(x, y));
    CHECK(p("x/y") == ctx.div(x, y));
    CHECK(p("x/y/2") == ctx.div(ctx.div(x, y), n(2)));
    CHECK(p("x - y - 1") == ctx.sub(ctx.sub(x, y), n(1)));
    CHECK(p("2*-3") == n(-6));
    CHECK(p("2 - -3") == n(5));
    CHECK(p("+x") == x);
}

TEST_CASE_METHOD(Fixture, "parse: implicit multiplication", "[parse]") {
    CHECK(p("2x") == ctx.mul({n(2), x}));
    CHECK(p("2(x+1)") == p("2*(x+1)"));
    CHECK(p("(x+1)(x-1)") == p("(x+1)*(x-1)"));
    CHECK(p("3 sin(x)") == p("3*sin(x)"));
    CHECK(p("2x^2") == p("2*(x^2)"));
    CHECK(p("-2x") == p("-(2*x)"));
    CHECK(p("1/2x") == p("(1/2)*x"));
    CHECK(p("1/2x") != p("1/(2*x)"));
    CHECK(p("x y z") == p("x*y*z"));
    CHECK(p("2 x") == p("2*x"));
    CHECK(p("x(x+1)") == p("x*(x+1)"));
    CHECK(p("2x(x+1)") == p("2*x*(x+1)"));
    CHECK(p("2√x") == p("2*sqrt(x)"));
    CHECK(p("2e^(2x)") == p("2*exp(2*x)"));
    CHECK(p("2e") == p("2*e"));
    CHECK(p("1e") == p("1*e"));
}

// A power after `name(…)` belongs to the bracket alone (issue 15, item 1): `x(x+1)^2` once
// read as (x·(x+1))², which `y(x+1)^2` at x = y = 2 showed as 36 instead of 18.
TEST_CASE_METHOD(Fixture, "parse: a power after name(...) binds to the bracket only", "[parse]") {
    CHECK(p("x(x+1)^2") == p("x*(x+1)^2"));
    CHECK(p("2x(x+1)^2") == p("2*x*(x+1)^2"));
    CHECK(p("y(x+1)^2") == p("y*(x+1)^2"));
    CHECK(p("6x(3x+1)^2") == p("6*x*(3*x+1)^2"));
    CHECK(p("sin(x)(x+1)^2") == p("sin(x)*(x+1)^2"));
    CHECK(p("x(x+1)²") == p("x*(x+1)^2"));
    CHECK(p("x²(x+1)^2") == p("x^2*(x+1)^2"));
    CHECK(p("x(x+1)^-1") == p("x/(x+1)"));
    CHECK(p("x(x+1)^2^3") == p("x*(x+1)^8"));
    CHECK(p("-x(x+1)^2") == p("-(x*(x+1)^2)"));
    CHECK(p("e(x+1)^2") == p("e*(x+1)^2"));
    CHECK(p("x(x+1)") == p("x*(x+1)"));
    // The head is still checked: an unknown name with a power is the same error as without.
    CHECK_THROWS_WITH(p("foo(x)^2"), "unknown function 'foo'");
    CHECK_THROWS_WITH(p("x(1, 2)^2"), "unknown function 'x'");
}

TEST_CASE_METHOD(Fixture, "parse: unicode operators and superscripts", "[parse]") {
    CHECK(p("x²") == p("x^2"));
    CHECK(p("x⁻¹") == p("x^-1"));
    CHECK(p("x¹⁰") == p("x^10"));
    CHECK(p("x²²") == p("x^22"));
    CHECK(p("x⁰") == n(1));
    CHECK(p("x²y") == p("x^2*y"));
    CHECK(p("2x²") == p("2*x^2"));
    CHECK(p("(x+1)²") == p("(x+1)^2"));
    CHECK(p("x·y") == p("x*y"));
    CHECK(p("x⋅y") == p("x*y"));
    CHECK(p("x×y") == p("x*y"));
    CHECK(p("x÷y") == p("x/y"));
    CHECK(p("x−y") == p("x-y"));
    CHECK(p("−x²") == p("-(x^2)"));
    CHECK(p("√x") == p("x^(1/2)"));
    CHECK(p("√(x+1)") == p("sqrt(x+1)"));
    CHECK(p("√x²") == p("sqrt(x^2)"));
    CHECK(p("√√x") == p("sqrt(sqrt(x))"));
    CHECK(p("eˣ") == p("exp(x)"));
    CHECK(p("xⁿ") == p("x^n"));
    CHECK(p("sin²(x)") == p("sin(x)^2"));
    CHECK(p("x^2²") == p("x^4"));
}

TEST_CASE_METHOD(Fixture, "parse: functions and aliases", "[parse]") {
    CHECK(p("exp(x)") == ctx.call(Op::Exp, {x}));
    CHECK(p("ln(x)") == ctx.call(Op::Log, {x}));
    CHECK(p("log(x)") == ctx.call(Op::Log, {x}));
    CHECK(p("log(x, 2)") == p("ln(x)/ln(2)"));
    CHECK(p("log2(x)") == p("ln(x)/ln(2)"));
    CHECK(p("log10(x)") == p("ln(x)/ln(10)"));
    CHECK(p("sqrt(x)") == ctx.pow(x, ctx.rational(1, 2)));
    CHECK(p("sqrt(4)") == n(2));
    CHECK(p("cbrt(x)") == ctx.call(Op::Cbrt, {x}));
    CHECK(p("abs(x)") == ctx.call(Op::Abs, {x}));
    CHECK(p("sign(x)") == ctx.call(Op::Sign, {x}));
    CHECK(p("sec(x)") == p("1/cos(x)"));
    CHECK(p("csc(x)") == p("1/sin(x)"));
    CHECK(p("cot(x)") == p("1/tan(x)"));
    CHECK(p("arcsin(x)") == p("asin(x)"));
    CHECK(p("arccos(x)") == p("acos(x)"));
    CHECK(p("arctan(x)") == p("atan(x)"));
    CHECK(p("arcsinh(x)") == p("asinh(x)"));
    CHECK(p("arccosh(x)") == p("acosh(x)"));
    CHECK(p("arctanh(x)") == p("atanh(x)"));
    CHECK(p("atan2(y, x)") == ctx.call(Op::Atan2, {y, x}));
    CHECK(p("sigmoid(x)") == ctx.call(Op::Sigmoid, {x}));
    CHECK(p("σ(x)") == ctx.call(Op::Sigmoid, {x}));
    CHECK(p("σ").name() == "σ");
    CHECK(p("relu(x)") == ctx.call(Op::Relu, {x}));
    CHECK(p("softplus(x)") == ctx.call(Op::Softplus, {x}));
    CHECK(p("heaviside(x)") == ctx.call(Op::Heaviside, {x}));
    CHECK(p("erf(x)") == ctx.call(Op::Erf, {x}));
    CHECK(p("max(x, y)") == ctx.call(Op::Max, {x, y}));
    CHECK(p("min(x, y, 2)") == ctx.call(Op::Min, {ctx.call(Op::Min, {x, y}), n(2)}));
    for (const char* f : {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"}) {
        Expr e = p(std::string(f) + "(x)");
        CHECK(e.size() == 1);
        CHECK(op_name(e.op()) == f);
    }
}

TEST_CASE_METHOD(Fixture, "parse: lists", "[parse]") {
    CHECK(p("[x, y]") == ctx.list({x, y}));
    CHECK(p("[x]") == ctx.list({x}));
    CHECK(p("[[1, 2], [x, y]]") == ctx.list({ctx.list({n(1), n(2)}), ctx.list({x, y})}));
    CHECK(p(" [ x^2 , 2x ] ") == ctx.list({p("x^2"), p("2*x")}));
}

// Juxtaposed letters are the product of one-letter variables by default (issue 15, item 2):
// `3xy` once had the one variable xy unless x and y stood alone elsewhere.
TEST_CASE_METHOD(Fixture, "parse: juxtaposed letters", "[parse]") {
    CHECK(p("x**2·y + 3xy") == p("x^2*y + 3*x*y"));
    CHECK(p("theta").name() == "theta");
    CHECK(p("xy") == p("x*y"));
    CHECK(p("3xy") == p("3*x*y"));
    CHECK(p("wx + b") == p("w*x + b"));
    CHECK(p("ye^(xy)") == p("y*exp(x*y)"));
    CHECK(p("x²yz") == p("x^2*y*z"));
    CHECK(p("xy", {"x", "y"}) == p("x*y"));
    CHECK(p("sin(xy)") == p("sin(x*y)"));
    CHECK(p("xy + x") == p("x*y + x"));
    CHECK_THROWS_AS(p("sin", {"s", "i", "n"}), Error);
    CHECK(p("exp(y) + ex") == p("exp(y) + e*x"));
    CHECK(p("x1y + x + y") == ctx.add({ctx.symbol("x1y"), x, y}));
    CHECK(p("w_b") == ctx.symbol("w_b"));
    CHECK(p("ee").name() == "ee");
    // Declared names, Greek letters' names and definitions stay whole.
    CHECK(p("xy", {"xy"}) == ctx.symbol("xy"));
    CHECK(p("xy", {"xy", "x", "y"}) == ctx.symbol("xy"));
    CHECK(p("wx + b", {"wx"}) == p("wx + b", {"wx", "b"}));
    CHECK(p("wx + b", {"wx"}) == ctx.add({ctx.symbol("wx"), ctx.symbol("b")}));
    for (const char* greek : {"alpha", "beta", "theta", "lambda", "sigma", "mu", "eta", "Omega", "phi"})
        CHECK(p(greek) == ctx.symbol(greek));
    CHECK(p("3alpha") == ctx.mul({n(3), ctx.symbol("alpha")}));
    // A function's name with its argument run on stays one name.
    CHECK(p("sinx") == ctx.symbol("sinx"));
    CHECK(p("cost") == ctx.symbol("cost"));
    // A longer name before a bracket is a function, unknown unless its letters are declared.
    CHECK_THROWS_WITH(p("xy(x+1)"), "unknown function 'xy'");
    CHECK(p("xy(x+1)", {"x", "y"}) == p("x*y*(x+1)"));
    // An exponent on a juxtaposition belongs to its last letter.
    CHECK(p("3xy² + x + y") == p("3*x*y^2 + x + y"));
    CHECK(p("xy^2") == p("x*y^2"));
    CHECK(p("2xyz^-1") == p("2*x*y/z"));
    CHECK(p("xe^x") == p("x*exp(x)"));
    CHECK(p("xe^x", {"x", "e"}) == p("x*e^x", {"e"}));
    CHECK(p("xe^x", {"x", "e"}) != p("x*exp(x)"));
    CHECK(p("e^x") == p("exp(x)"));
    CHECK(p("sum(i = 1..n, wi)") == p("sum(i = 1..n, w*i)"));
}

// Every reading that could have gone the other way is told (Parsed::notes), once per name.
TEST_CASE_METHOD(Fixture, "parse: notes on juxtaposed letters", "[parse]") {
    auto notes = [&](std::string_view text, std::vector<std::string> vars = {}) {
        ParseOptions o;
        o.variables = std::move(vars);
        std::vector<std::string> out;
        for (const Note& n : parse(ctx, text, o).notes)
            out.push_back(n.diagnostic.message + " @" + std::to_string(n.diagnostic.column));
        return out;
    };
    using V = std::vector<std::string>;
    CHECK(notes("3xy") == V{"'xy' is read as the product x*y @2"});
    CHECK(notes("ye^(xy)") == V{"'ye' is read as the product y*e @1", "'xy' is read as the product x*y @5"});
    CHECK(notes("xy + xy^2") == V{"'xy' is read as the product x*y @1"});
    CHECK(notes("mean((wx + b - y)^2)") == V{"'wx' is read as the product w*x @7"});
    CHECK(notes("sinx") == V{"'sinx' is read as one variable; for the function write sin(x) @1"});
    CHECK(notes("x*y + theta + x1 + w_b").empty());
    CHECK(notes("3xy", {"xy"}).empty());
    // Declared letters do not make the whole name's reading certain (a column y, then `yy`).
    CHECK(notes("3xy", {"x", "y"}) == V{"'xy' is read as the product x*y @2"});
    CHECK(notes("3xy", {"x"}) == V{"'xy' is read as the product x*y @2"});
    CHECK(notes("x(x+1)^2").empty());
    Parsed r = parse(ctx, "2wx");
    REQUIRE(r.notes.size() == 1);
    CHECK(r.notes[0].name == "wx");
    CHECK(r.notes[0].reading == "w*x");
    CHECK(r.notes[0].is_product());
    CHECK(r.notes[0].diagnostic.length == 2);
}

TEST_CASE_METHOD(Fixture, "parse: other variables in order of first appearance", "[parse]") {
    CHECK(names(parse(ctx, "y + x*z")) == std::vector<std::string>{"y", "x", "z"});
    CHECK(names(parse(ctx, "(1-x)^2+100*(y-x^2)^2")) == std::vector<std::string>{"x", "y"});
    CHECK(names(parse(ctx, "b^a^c")) == std::vector<std::string>{"b", "a", "c"});
    CHECK(names(parse(ctx, "sin(pi*t) + e")) == std::vector<std::string>{"t"});
    ParseOptions o;
    o.variables = {"x", "y", "w"};
    CHECK(names(parse(ctx, "3yx", o)) == std::vector<std::string>{"y", "x"});
}

TEST_CASE_METHOD(Fixture, "parse: numbered names come together in numeric order", "[parse]") {
    // The flat extended Rosenbrock as usually written starts with x2: its variables are
    // still x1, x2, x3 (they came as x2, x1, x3).
    CHECK(names(parse(ctx, "100*(x2 - x1^2)^2 + (1 - x1)^2 + 100*(x3 - x2^2)^2 + (1 - x2)^2")) ==
          std::vector<std::string>{"x1", "x2", "x3"});
    std::string flat;
    for (int i = 10; i >= 1; --i) flat += (flat.empty() ? "x" : " + x") + std::to_string(i);
    CHECK(names(parse(ctx, flat)) ==
          std::vector<std::string>{"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10"});
    // A family sits where its first member appears; other names keep their places.
    CHECK(names(parse(ctx, "y2 + a + y1 + x10 + b + x9")) ==
          std::vector<std::string>{"y1", "y2", "a", "x9", "x10", "b"});
    CHECK(names(parse(ctx, "w*x + b")) == std::vector<std::string>{"w", "x", "b"});
    // A bare stem is a name of its own; leading zeros order after the plain number.
    CHECK(names(parse(ctx, "x2 + x + x01 + x1 + x_3 + x_1")) ==
          std::vector<std::string>{"x1", "x01", "x2", "x", "x_1", "x_3"});
    // Vectors are ordered alike.
    CHECK(names(parse(ctx, "w2[1] + w1[1]")) == std::vector<std::string>{"w1", "w2"});
    Parsed v = parse(ctx, "w2[1] + w1[1]");
    REQUIRE(v.vectors.size() == 2);
    CHECK(v.vectors[0].name() == "w1");
}

TEST_CASE_METHOD(Fixture, "parse: whitespace is free between tokens", "[parse]") {
    CHECK(p("  x\t+\n y \r\n") == p("x+y"));
    CHECK(p("sin ( x )") == p("sin(x)"));
    CHECK(p("x ** 2") == p("x^2"));
}

TEST_CASE_METHOD(Fixture, "parse: long chains fold without recursion", "[parse]") {
    std::string chain = "x";
    for (int i = 0; i < 200000; ++i) chain += "^x";
    Expr e = p(chain);
    CHECK(e.is(Op::Pow));
    CHECK(e.height() > 1000);
    std::string minus(400001, '-');
    for (std::size_t i = 1; i < minus.size(); i += 2) minus[i] = ' ';
    CHECK(p(minus + "x") == ctx.neg(x));
    std::string sum = "x";
    for (int i = 0; i < 100000; ++i) sum += "+x";
    CHECK(p(sum) == ctx.mul({n(100001), x}));
    std::string roots;
    for (int i = 0; i < 3000; ++i) roots += "√";
    Expr r = p(roots + "x");
    CHECK(r.is(Op::Pow));
    CHECK(r.height() > 3000);
    CHECK(p("√√√x") == p("sqrt(sqrt(sqrt(x)))"));
}

TEST_CASE_METHOD(Fixture, "parse: nesting up to max_depth", "[parse]") {
    std::string s = std::string(200, '(') + "x" + std::string(200, ')');
    CHECK(p(s) == x);
    std::string calls;
    for (int i = 0; i < 199; ++i) calls += "sin(";
    calls += "x" + std::string(199, ')');
    CHECK(p(calls).is(Op::Sin));
    ParseOptions o;
    o.max_depth = 1000;
    std::string deep = std::string(1000, '(') + "x" + std::string(1000, ')');
    CHECK(parse_expr(ctx, deep, o) == x);
}
