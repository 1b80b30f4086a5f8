// Did-you-mean (symdiff/suggest.hpp): the edit distance, the choice of the nearest name, and
// the places that suggest through it (parser diagnostics and the REPL's commands).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/repl.hpp"
#include "symdiff/suggest.hpp"

using namespace symdiff;

TEST_CASE("suggest: edit distance counts inserts, deletes, replacements and swaps", "[suggest]") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("abc", "") == 3);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("sigmod", "sigmoid") == 1);   // a letter left out
    CHECK(edit_distance("sigmoid", "sigmod") == 1);
    CHECK(edit_distance("sigmiod", "sigmoid") == 1);  // two letters swapped
    CHECK(edit_distance("minimise", "minimize") == 1);
    CHECK(edit_distance("Y", "y") == 1);              // case counts
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("ca", "abc") == 3);           // optimal string alignment: a swap is not edited again
    CHECK(edit_distance("\xCF\x83x", "\xCF\x80x") == 1); // σx and πx: one code point differs, not one byte
    CHECK(edit_distance("x\xCF\x83", "x") == 1);
}

TEST_CASE("suggest: the nearest known name, within a few edits or as a unique prefix", "[suggest]") {
    const std::vector<std::string_view> functions = {"sigmoid", "sign", "sin", "sinh", "softplus", "sqrt"};
    CHECK(nearest_name("sigmod", functions) == "sigmoid");
    CHECK(nearest_name("sqr", functions) == "sqrt");
    CHECK(nearest_name("Sin", functions) == "sin");       // a difference of case wins a tie (sin, sign, sinh)
    CHECK(nearest_name("softpuls", functions) == "softplus");
    CHECK_FALSE(nearest_name("foo", functions));          // nothing near
    CHECK_FALSE(nearest_name("sin", functions));          // a known name is not a misspelling
    CHECK_FALSE(nearest_name("", functions));

    const std::vector<std::string> options = {"--at", "--vars", "--format", "--backend", "--help"};
    CHECK(nearest_name("--h", options) == "--help");      // cut short: the one name it starts
    CHECK(nearest_name("--formt", options) == "--format");
    CHECK(nearest_name("--bakend", options) == "--backend");
    CHECK_FALSE(nearest_name("--zzzzzz", options));

    // One letter is one edit from every other short name: only a difference of case counts.
    const std::vector<std::string> columns = {"x", "y"};
    CHECK(nearest_name("Y", columns) == "y");
    CHECK_FALSE(nearest_name("z", columns));
    // Among names equally near, the first given.
    const std::vector<std::string> tie = {"ab", "ba"};
    CHECK(nearest_name("aa", tie) == "ab");

    CHECK(did_you_mean("sigmod", functions) == " (did you mean 'sigmoid'?)");
    CHECK(did_you_mean("Y", columns, "column") == " (did you mean column 'y'?)");
    CHECK(did_you_mean("qqq", columns, "column").empty());
}

TEST_CASE("suggest: a slip of a column is a case change, or one edit between longer names", "[suggest]") {
    const std::vector<std::string> columns = {"x", "y", "x1", "hours", "score"};
    CHECK(slip_of("Y", columns) == "y");
    CHECK(slip_of("X1", columns) == "x1");
    CHECK(slip_of("Hours", columns) == "hours");
    CHECK(slip_of("hour", columns) == "hours");
    CHECK(slip_of("socre", columns) == "score");
    CHECK(slip_of("scores", columns) == "score");
    CHECK_FALSE(slip_of("y", columns));   // a column is not a slip
    CHECK_FALSE(slip_of("b", columns));   // one edit from x and y, as every letter is
    CHECK_FALSE(slip_of("m", columns));
    CHECK_FALSE(slip_of("w1", columns));  // a weight beside its input x1
    CHECK_FALSE(slip_of("xy", columns));
    CHECK_FALSE(slip_of("hrs", columns)); // two edits
}

TEST_CASE("suggest: an unknown function names the nearest built-in or definition", "[suggest][parse]") {
    Context ctx;
    auto message = [&](std::string_view text, const ParseOptions& o = {}) -> std::string {
        try {
            parse(ctx, text, o);
        } catch (const Error& e) {
            return e.diagnostic().message;
        }
        return "(parsed)";
    };
    CHECK(message("sigmod(x)") == "unknown function 'sigmod' (did you mean 'sigmoid'?)");
    CHECK(message("1 + sqr(x)") == "unknown function 'sqr' (did you mean 'sqrt'?)");
    CHECK(message("arctn(x)") == "unknown function 'arctn' (did you mean 'arctan'?)");
    CHECK(message("foo(x)") == "unknown function 'foo'");
    ParseOptions o;
    o.functions.emplace("rosen", UserFunction{{ctx.symbol("x")}, parse_expr(ctx, "x^2")});
    CHECK(message("rosne(x)", o) == "unknown function 'rosne' (did you mean 'rosen'?)");
}

TEST_CASE("suggest: the REPL suggests commands and keeps its hint for statements", "[suggest][repl]") {
    Repl s;
    ReplReply r = s.run(":hlep");
    CHECK(r.errors == "error: unknown command ':hlep' (did you mean ':help'?)\n  :hlep\n  ^~~~~\n");
    r = s.run(":frmat text");
    CHECK(r.errors.starts_with("error: unknown command ':frmat' (did you mean ':format'?)\n"));
    r = s.run(":zzzzzz");
    CHECK(r.errors.starts_with("error: unknown command ':zzzzzz' (:help lists the commands)\n"));
    r = s.run("sigmod(1)");
    CHECK(r.errors.starts_with("error: unknown function 'sigmod' (did you mean 'sigmoid'?)\n"));
    r = s.run("g = 2*grad(x^2)");
    CHECK(r.errors.starts_with("error: unknown function 'grad' (grad is a statement of its own: define g = "
                               "grad(...) first, then use g)\n"));
}

TEST_CASE("suggest: the REPL suggests methods and formats", "[suggest][repl]") {
    Repl s;
    s.run("f(x) = x^2");
    ReplReply r = s.run("minimize f from (1) method adma");
    CHECK(r.errors.starts_with("error: unknown method 'adma' (did you mean 'adam'?)\n"));
    r = s.run("minimize f from (1) method zzzz");
    CHECK(r.errors.starts_with("error: unknown method 'zzzz' (gd, momentum, nesterov, adam, rmsprop, lbfgs, newton)\n"));
    r = s.run(":format unicod");
    CHECK(r.errors.starts_with("error: unknown format 'unicod' (did you mean 'unicode'?)\n"));
    r = s.run(":format html");
    CHECK(r.errors.starts_with("error: unknown format 'html' (text, unicode or latex)\n"));
}
