// Parser: vectors, sums and data (grammars/README.md, "Vectors, sums and data"). The exact
// messages of every rule are in test_parse_errors.cpp; here, the nodes each form builds, the
// scope of a sum's index, Parsed::variables and Parsed::vectors, definitions that hold sums,
// and hostile nesting.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

namespace {

struct Fixture {
    Context ctx;
    Expr x = ctx.symbol("x");
    Expr y = ctx.symbol("y");
    Expr i = ctx.symbol("i");
    Expr n = ctx.symbol("n");
    Expr k(std::int64_t v) { return ctx.integer(v); }
    Expr p(std::string_view s) { return parse_expr(ctx, s); }
};

std::vector<std::string> names(const std::vector<Expr>& symbols) {
    std::vector<std::string> out;
    for (Expr s : symbols) out.push_back(s.name());
    return out;
}

Context& ctx_of() {
    static Context ctx;
    return ctx;
}

// The message and 1-based column of the error parsing `text` raises.
std::pair<std::string, std::size_t> error_of(std::string_view text, const ParseOptions& options = {}) {
    Context ctx;
    try {
        parse(ctx, text, options);
    } catch (const Error& e) {
        return {e.diagnostic().message, e.diagnostic().column};
    }
    return {"accepted", 0};
}

} // namespace

TEST_CASE_METHOD(Fixture, "vectors: each form builds its node", "[parse][vectors]") {
    CHECK(p("x[1]") == ctx.at(x, k(1)));
    CHECK(p("x[i+1]") == ctx.at(x, i + k(1)));
    CHECK(p("x[i-1]") == ctx.at(x, i - k(1)));
    CHECK(p("len(x)") == ctx.len(x));
    CHECK(p("sum(i = 1..n, x[i])") == ctx.sum(i, k(1), n, ctx.at(x, i)));
    CHECK(p("sum(i = 1..n-1, x[i+1])") == ctx.sum(i, k(1), n - k(1), ctx.at(x, i + k(1))));
    CHECK(p("mean(i = 1..n, x[i])") == ctx.div(ctx.sum(i, k(1), n, ctx.at(x, i)), n));
    CHECK(p("mean(i = 3..n, x[i])") == ctx.div(ctx.sum(i, k(3), n, ctx.at(x, i)), n - k(2)));
    CHECK(p("sum(x^2)") == ctx.row_sum(pow(x, k(2))));
    CHECK(p("mean((x - y)^2)") == ctx.row_mean(pow(x - y, k(2))));
    CHECK(p("sum(i = 1..len(x), x[i])") == ctx.sum(i, k(1), ctx.len(x), ctx.at(x, i)));
    CHECK(p("sum²(x)") == pow(ctx.row_sum(x), k(2)));
}

TEST_CASE_METHOD(Fixture, "vectors: the index is bound in the body only", "[parse][vectors]") {
    // In the bounds, i is the free variable i; in the body, the index.
    Parsed r = parse(ctx, "sum(i = 1..i, x[i]*i)");
    CHECK(r.expr == ctx.sum(i, k(1), i, ctx.at(x, i) * i));
    CHECK(names(r.variables) == std::vector<std::string>{"i", "x"});
    // Outside the sum the same name is a variable again.
    CHECK(names(parse(ctx, "sum(i = 1..n, x[i]) + i").variables) == std::vector<std::string>{"n", "x", "i"});
    // A declared variable or a definition of the same name is shadowed in the body.
    ParseOptions o;
    o.variables = {"i"};
    o.functions["j"] = UserFunction{{}, k(7)};
    CHECK(parse_expr(ctx, "sum(i = 1..n, x[i])", o) == p("sum(i = 1..n, x[i])"));
    Expr j = ctx.symbol("j");
    CHECK(parse_expr(ctx, "sum(j = 1..n, x[j] + j)", o) == ctx.sum(j, k(1), n, ctx.at(x, j) + j));
    CHECK(parse_expr(ctx, "j + sum(j = 1..n, x[j])", o) == k(7) + ctx.sum(j, k(1), n, ctx.at(x, j)));
    // A multi-letter index is never split into letters, and a one-letter index joins
    // juxtapositions like any variable.
    CHECK(p("y + i + sum(iy = 1..n, x[iy])") == y + i + ctx.sum(ctx.symbol("iy"), k(1), n, ctx.at(x, ctx.symbol("iy"))));
    CHECK(p("y + sum(i = 1..n, 2iy)") == y + ctx.sum(i, k(1), n, k(2) * i * y));
}

TEST_CASE_METHOD(Fixture, "vectors: indices free of the sum index, and free indices outside sums", "[parse][vectors]") {
    CHECK(p("x[i]") == ctx.at(x, i));  // outside a sum, i is a free scalar
    CHECK(names(parse(ctx, "x[i]").variables) == std::vector<std::string>{"x", "i"});
    CHECK(p("sum(i = 1..n, x[i]*x[1]*x[n])") == ctx.sum(i, k(1), n, ctx.at(x, i) * ctx.at(x, k(1)) * ctx.at(x, n)));
    CHECK(p("sum(i = 1..n, x[i + 3] - x[i - 3])") ==
          ctx.sum(i, k(1), n, ctx.at(x, i + k(3)) - ctx.at(x, i - k(3))));
    CHECK(p("sum(i = 1..n, y[x[1]] * x[i])") == ctx.sum(i, k(1), n, ctx.at(y, ctx.at(x, k(1))) * ctx.at(x, i)));
    CHECK(p("x[n/2]") == ctx.at(x, n / k(2)));
    CHECK(p("x[3/3]") == ctx.at(x, k(1)));
    // An index that cancels the sum index is free of it.
    CHECK(p("sum(i = 1..n, x[i - i + 2])") == ctx.sum(i, k(1), n, ctx.at(x, k(2))));
    CHECK(error_of("sum(i = 1..n, x[-i])").first ==
          "an index must be i + c for a sum index i and an integer c, or free of sum indices");
    CHECK(error_of("mean(i = 1..n, x[n - i])").first ==
          "an index must be i + c for a sum index i and an integer c, or free of sum indices");
    // A row reduction has no index: any index is free of indices there.
    CHECK(p("mean(w[1]*x + w[2] - y)") ==
          ctx.row_mean(ctx.at(ctx.symbol("w"), k(1)) * x + ctx.at(ctx.symbol("w"), k(2)) - y));
}

TEST_CASE_METHOD(Fixture, "vectors: Parsed::variables and Parsed::vectors in text order", "[parse][vectors]") {
    Parsed r = parse(ctx, "sum(i = 1..n - 1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)");
    CHECK(names(r.variables) == std::vector<std::string>{"n", "x"});
    CHECK(names(r.vectors) == std::vector<std::string>{"x"});
    r = parse(ctx, "mean((w*x + b - y)^2)");
    CHECK(names(r.variables) == std::vector<std::string>{"w", "x", "b", "y"});
    CHECK(r.vectors.empty());
    r = parse(ctx, "a*len(v) + sum(i = 1..m, u[i]*v[i]) + mean(z)");
    CHECK(names(r.variables) == std::vector<std::string>{"a", "v", "m", "u", "z"});
    CHECK(names(r.vectors) == std::vector<std::string>{"v", "u"});
    // A vector used only where it cancels is still listed: it is in the text.
    r = parse(ctx, "x[1] - x[1] + y");
    CHECK(r.expr == y);
    CHECK(names(r.vectors) == std::vector<std::string>{"x"});
    // A vector may also be a data column inside a row reduction.
    r = parse(ctx, "mean(x) + x[1]");
    CHECK(names(r.variables) == std::vector<std::string>{"x"});
    CHECK(names(r.vectors) == std::vector<std::string>{"x"});
    // Declared names are vectors like any other.
    ParseOptions o;
    o.variables = {"e", "xy"};
    r = parse(ctx, "e[1] + xy[2]", o);
    CHECK(names(r.vectors) == std::vector<std::string>{"e", "xy"});
}

TEST_CASE("vectors: a vector used as a number is an error at the bare use, in either order", "[parse][vectors]") {
    CHECK(error_of("x[1] + x") == std::pair<std::string, std::size_t>{"'x' is a vector (indexed at 1:3); use x[k]", 8});
    CHECK(error_of("x^2 + sum(i = 1..n, x[i])") ==
          std::pair<std::string, std::size_t>{"'x' is a vector (indexed at 1:23); use x[k]", 1});
    CHECK(error_of("xˣ + x[1]").first == "'x' is a vector (indexed at 1:8); use x[k]");
    CHECK(error_of("2ˣ + x[1]").second == 2);  // a superscript letter
    // An indexed name is no letter of a juxtaposition: xy stays a name, and the bare x is wrong.
    CHECK(error_of("3xy + y + x + x[1]").second == 11);
    CHECK(names(parse(ctx_of(), "3xy + y + x[1]").variables) == std::vector<std::string>{"xy", "y", "x"});
    CHECK(error_of("sum(i = 1..n, x[i])*n[2]").second == 12);  // a bound is a number
    // Inside a row reduction a bare name may be a column: no error there.
    CHECK(error_of("mean(x*y) + x[2] + sum(x)").first == "accepted");
}

TEST_CASE("vectors: sums and means do not nest, however deep", "[parse][vectors][errors]") {
    CHECK(error_of("sum(i = 1..n, x[i]*mean(y))") ==
          std::pair<std::string, std::size_t>{"sums and means cannot be nested", 20});
    CHECK(error_of("mean(i = 1..mean(n), x[i])").second == 13);
    // Beside one another they are fine, and so is a sum inside an index outside any sum.
    CHECK(error_of("ln(sum(x)) + sum(y) + mean(i = 1..n, z[i])").first == "accepted");
    CHECK(error_of("x[sum(i = 1..n, y[i])]").first == "accepted");
    // 150 nested sums: rejected at the second, in linear time.
    std::string deep;
    for (int d = 0; d < 150; ++d) deep += "sum(";
    deep += "x" + std::string(150, ')');
    CHECK(error_of(deep) == std::pair<std::string, std::size_t>{"sums and means cannot be nested", 5});
    deep.clear();
    for (int d = 0; d < 150; ++d) deep += "mean(i = 1..n, x[i] + ";
    deep += "1" + std::string(150, ')');
    CHECK(error_of(deep) == std::pair<std::string, std::size_t>{"sums and means cannot be nested", 23});
    // Deeper than max_depth: the bracket limit answers first.
    deep.clear();
    for (int d = 0; d < 5000; ++d) deep += "sum(";
    deep += "x" + std::string(5000, ')');
    CHECK(error_of(deep).first == "brackets nested too deeply (the limit is 200 levels)");
    // Raised limit: still the nesting error, on a stack sized for the depth.
    ParseOptions o;
    o.max_depth = 5000;
    CHECK(error_of(deep, o).first == "sums and means cannot be nested");
}

TEST_CASE("vectors: hostile ranges and indices fail with a positioned Error", "[parse][vectors][errors]") {
    for (std::string_view s : {"x[", "x[[1]]", "x[1][2]", "sum(i = 1..)", "sum(i=1..n)", "sum(1 = 1..n, x)",
                               "sum(i = 1..n, )", "sum(i = 1 .. n .. m, x[i])", "sum(i = = 1..n, x)", "sum(i 1..n, x)",
                               "sum(i = 1...n, x)", "sum(i == 1..n, x)", "sum(=1..n, x)", "len()", "len(x[1])",
                               "sum(i = 1..n, x[i]", "mean(i = 1..n, x[i])(2)", "x[i](2)", "..", "x..y", "[x[1], 2]"}) {
        CAPTURE(s);
        Context ctx;
        try {
            parse(ctx, s);
            // The few that parse have a meaning: x[i](2) is x[i]·2, [x[1], 2] a list.
            CHECK((s == "x[i](2)" || s == "mean(i = 1..n, x[i])(2)" || s == "[x[1], 2]"));
        } catch (const Error& e) {
            CHECK(!e.diagnostic().message.empty());
            CHECK(e.diagnostic().column >= 1);
        }
    }
}

TEST_CASE("vectors: definitions that hold sums and vectors follow the same rules", "[parse][vectors]") {
    Context ctx;
    Expr x = ctx.symbol("x"), w = ctx.symbol("w"), b = ctx.symbol("b"), y = ctx.symbol("y"), t = ctx.symbol("t");
    Expr i = ctx.symbol("i"), n = ctx.symbol("n");
    ParseOptions o;
    // L(w, b) = mean((w*x + b - y)^2); S(t) = sum(i = 1..n, x[i]*t); g(t) = x[t]; v = x[1]
    o.functions["L"] = UserFunction{{w, b}, parse_expr(ctx, "mean((w*x + b - y)^2)")};
    o.functions["S"] = UserFunction{{t}, parse_expr(ctx, "sum(i = 1..n, x[i]*t)")};
    o.functions["g"] = UserFunction{{t}, parse_expr(ctx, "x[t]")};
    o.functions["v"] = UserFunction{{}, parse_expr(ctx, "x[1]")};
    CHECK(parse_expr(ctx, "L(2, 3)", o) == parse_expr(ctx, "mean((2x + 3 - y)^2)"));
    Parsed r = parse(ctx, "S(y) + v", o);
    CHECK(r.expr == parse_expr(ctx, "sum(i = 1..n, x[i]*y) + x[1]"));
    CHECK(names(r.vectors) == std::vector<std::string>{"x"});
    CHECK(parse_expr(ctx, "sum(i = 1..n, g(i + 1))", o) == parse_expr(ctx, "sum(i = 1..n, x[i + 1])"));
    // Each rule, at the name of the definition.
    auto fails = [&](std::string_view text) {
        try {
            parse(ctx, text, o);
        } catch (const Error& e) {
            return std::pair<std::string, std::size_t>{e.diagnostic().message, e.diagnostic().column};
        }
        return std::pair<std::string, std::size_t>{"accepted", 0};
    };
    CHECK(fails("sum(i = 1..n, z[i]*L(1, 2))") ==
          std::pair<std::string, std::size_t>{"sums and means cannot be nested", 20});
    CHECK(fails("mean(v*y)") == std::pair<std::string, std::size_t>{"accepted", 0});
    CHECK(fails("mean(S(y))").first == "sums and means cannot be nested");
    CHECK(fails("sum(i = 1..n, g(2i))") ==
          std::pair<std::string, std::size_t>{
              "an index must be i + c for a sum index i and an integer c, or free of sum indices", 15});
    CHECK(fails("v + x") == std::pair<std::string, std::size_t>{"'x' is a vector (indexed at 1:1); use x[k]", 5});
    CHECK(fails("v[1]") == std::pair<std::string, std::size_t>{"'v' is a definition, not a vector", 1});
    // A body's own variable named like the index of the sum it is read in would become the
    // index: an error at the name. A parameter of that name is not the body's own.
    o.functions["a"] = UserFunction{{}, parse_expr(ctx, "i + 1")};
    o.functions["h"] = UserFunction{{i}, parse_expr(ctx, "i^2")};
    CHECK(fails("sum(i = 1..n, a*x[i])") == std::pair<std::string, std::size_t>{
                                                "'a' uses the variable 'i', which is the index of this sum here; "
                                                "name the index differently",
                                                15});
    CHECK(fails("sum(j = 1..n, a*x[j])").first == "accepted");
    CHECK(parse_expr(ctx, "sum(i = 1..n, h(x[i]))", o) == parse_expr(ctx, "sum(i = 1..n, x[i]^2)"));
    // Substituting a name the body's sum binds would capture it: an error at the call.
    CHECK(fails("S(i)") == std::pair<std::string, std::size_t>{
                               "cannot substitute an expression containing 'i' inside a reduction over 'i'", 1});
}
