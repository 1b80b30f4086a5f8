// The REPL: symdiff::Repl statement by statement, the golden transcripts of
// tests/golden/repl (each NAME.input piped through `symdiff repl --echo`, compared with
// NAME.expected; SYMDIFF_UPDATE_GOLDEN=1 rewrites them), and 10,000 piped lines.
//
// An expected file may hold `<% regex %>` holes for text that varies between runs (timings).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <csignal>
#include <string>
#include <vector>

#include "program_run.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/repl.hpp"

namespace fs = std::filesystem;
using symdiff::ReplReply;
using symdiff::Repl;

namespace {

const fs::path kGoldenDir = fs::path(SYMDIFF_SOURCE_DIR) / "tests" / "golden" / "repl";

using symdiff::test::matches;
using symdiff::test::slurp;

// A scratch folder that is removed at the end of the test.
struct Scratch {
    fs::path path;
    explicit Scratch(const std::string& name) {
        path = fs::temp_directory_path() / ("symdiff_repl_" + name + "_" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// Runs statements one by one and returns what each printed (output, then errors).
std::string run(Repl& s, const std::string& input) {
    ReplReply r = s.run(input);
    return r.output + r.errors;
}

} // namespace

TEST_CASE("repl: definitions, calls and values", "[repl]") {
    Repl s;
    CHECK(run(s, "f(x, y) = (1-x)^2 + 100*(y-x^2)^2") == "f(x, y) = (1 - x)^2 + 100*(y - x^2)^2\n");
    CHECK(run(s, "f(1, 2)") == "100\n");
    CHECK(run(s, "f") == "(1 - x)^2 + 100*(y - x^2)^2\n");
    CHECK(run(s, "a = 3") == "a = 3\n");
    CHECK(run(s, "2^10") == "1024\n");
    CHECK(run(s, "x^2*sin(x)") == "x^2*sin(x)\n");
    CHECK(s.names() == std::vector<std::string>{"f", "a"});
}

TEST_CASE("repl: derivatives and evaluation at a point", "[repl]") {
    Repl s;
    run(s, "f(x, y) = (1-x)^2 + 100*(y-x^2)^2");
    CHECK(run(s, "grad(f)") == "[-2*(1 - x) - 400*x*(y - x^2), 200*(y - x^2)]\n");
    CHECK(run(s, "grad(f)(0.5, 0.5)") == "[-51, 50]\n");
    CHECK(run(s, "grad f at (0.5, 0.5)") == "[-51, 50]\n");
    CHECK(run(s, "grad(f) at (y=0.5, x=0.5)") == "[-51, 50]\n");
    CHECK(run(s, "g = diff(f, y)") == "g(x, y) = 200*(y - x^2)\n");
    CHECK(run(s, "g(2, 3)") == "-200\n");
    CHECK(run(s, "diff(x^3, x, 2)") == "6*x\n");
    CHECK(run(s, "hessian(f)(1, 1)") == "[[802, -400],\n [-400, 200]]\neigenvalues: 0.39936076748762533, "
                                         "1001.6006392325125\npoint:       minimum (grad f = 0, every eigenvalue positive)\n");
}

TEST_CASE("repl: a Hessian at a point is classified as hessian --at classifies it", "[repl]") {
    Repl s;
    run(s, "f(x, y) = x^2 - y^2");
    const std::string saddle = "[[2, 0],\n [0, -2]]\neigenvalues: -2, 2\npoint:       saddle (grad f = 0, eigenvalues of both signs)\n";
    CHECK(run(s, "hessian(f) at (0, 0)") == saddle);
    CHECK(run(s, "hessian(f)(0, 0)") == saddle);
    CHECK(run(s, "hessian(f) at (y=0, x=0)") == saddle);
    CHECK(run(s, "hessian(x^2 + 3*y^2) at (0, 0)") ==
          "[[2, 0],\n [0, 6]]\neigenvalues: 2, 6\npoint:       minimum (grad f = 0, every eigenvalue positive)\n");
    CHECK(run(s, "hessian(-x^2 - y^2 + x*y) at (0, 0)") ==
          "[[-2, 1],\n [1, -2]]\neigenvalues: -2.9999999999999996, -0.9999999999999998\npoint:       maximum (grad f = 0, every eigenvalue negative)\n");
    CHECK(run(s, "hessian(f) at (1, 0)") ==
          "[[2, 0],\n [0, -2]]\neigenvalues: -2, 2\npoint:       not a critical point: |grad f| = 2; the Hessian is indefinite there\n");
    // A variable left free: a matrix of formulas, nothing to classify.
    CHECK(run(s, "hessian(x^3*y) at x=1") == "[[6*y, 3],\n [3, 0]]\n");
    // A definition keeps the matrix alone.
    CHECK(run(s, "h = hessian(f) at (0, 0)") == "h = [[2, 0],\n [0, -2]]\n");
}

TEST_CASE("repl: redefinition is allowed and says what it replaced", "[repl]") {
    Repl s;
    run(s, "a = 3");
    run(s, "f(x) = a*x");
    ReplReply r = s.run("a = 4");
    CHECK(r.ok());
    CHECK(r.output == "a = 4\nnote: redefined a (it was a = 3); definitions made from the old a keep it\n");
    // By value: f kept the a it was defined with.
    CHECK(run(s, "f") == "3*x\n");
}

TEST_CASE("repl: errors point into the line and the session goes on", "[repl]") {
    Repl s;
    ReplReply r = s.run("f(x) = f(x) + 1");
    CHECK_FALSE(r.ok());
    CHECK(r.errors == "error: 'f' is used in its own definition: recursive definitions are not supported (to "
                      "build on the old f, give the new definition another name)\n  f(x) = f(x) + 1\n         ^\n");
    r = s.run("grad(q)");
    CHECK(r.errors == "error: 'q' is not defined (:vars lists the definitions)\n  grad(q)\n       ^\n");
    r = s.run("2 + * 3");
    CHECK_FALSE(r.ok());
    CHECK(r.errors.find("\n  2 + * 3\n") != std::string::npos);
    CHECK(run(s, "1 + 1") == "2\n");
}

TEST_CASE("repl: unfinished brackets ask for more", "[repl]") {
    CHECK(Repl::incomplete("f(1,"));
    CHECK(Repl::incomplete("[x, (y"));
    CHECK_FALSE(Repl::incomplete("f(1, 2)"));
    CHECK_FALSE(Repl::incomplete("f(1))"));
    CHECK_FALSE(Repl::incomplete("1 # a comment ("));
    Repl s;
    run(s, "f(x, y) = x*y");
    CHECK(run(s, "f(2,\n 3)") == "6\n");
}

TEST_CASE("repl: completion offers commands, keywords, built-ins and names", "[repl]") {
    Repl s;
    run(s, "rosen(x, y) = (1-x)^2 + 100*(y-x^2)^2");
    CHECK(s.completions(":h") == std::vector<std::string>{":help"});
    CHECK(s.completions("gr") == std::vector<std::string>{"grad"});
    CHECK(s.completions("ro") == std::vector<std::string>{"rosen"});
    CHECK(s.completions("si") == std::vector<std::string>{"sigmoid", "sign", "sin", "sinh"});
}

// Every function of the grammar reference's table of names (grammars/README.md, "Names") is
// completed, refused as a definition and listed by :help, so the REPL's list cannot fall
// behind the language (len, sum and mean once did).
TEST_CASE("repl: every function of the grammar reference is a reserved, completed built-in", "[repl]") {
    const std::string readme = slurp(fs::path(SYMDIFF_SOURCE_DIR) / "grammars" / "README.md");
    const std::size_t table = readme.find("| name | meaning | arguments |");
    REQUIRE(table != std::string::npos);
    std::vector<std::string> names;
    std::istringstream lines(readme.substr(table));
    std::string line;
    std::getline(lines, line); // the header
    std::getline(lines, line); // |---|
    while (std::getline(lines, line) && line.rfind("| ", 0) == 0) {
        const std::string first = line.substr(2, line.find(" | ") - 2);
        static const std::regex word("`([^`( ]+)`");
        for (auto it = std::sregex_iterator(first.begin(), first.end(), word); it != std::sregex_iterator(); ++it)
            names.push_back((*it)[1]);
    }
    REQUIRE(names.size() >= 40);
    for (const char* must : {"len", "sum", "mean", "softplus", "arctan2"})
        CHECK(std::find(names.begin(), names.end(), must) != names.end());
    Repl s;
    const std::string help = run(s, ":help");
    for (const std::string& name : names) {
        INFO(name);
        std::vector<std::string> c = s.completions(name);
        CHECK(std::find(c.begin(), c.end(), name) != c.end());
        const std::string refused = run(s, name + " = 1");
        CHECK(refused.substr(0, refused.find('\n')) ==
              "error: cannot define '" + name + "': it is a built-in name (:help lists them)");
        CHECK(std::regex_search(help, std::regex("[ \\n]" + name + "[ \\n]")));
    }
    CHECK(s.completions("le") == std::vector<std::string>{"len"});
    CHECK(s.completions("mea") == std::vector<std::string>{"mean"});
}

TEST_CASE("repl: sums over an index, means and len", "[repl]") {
    Repl s;
    CHECK(run(s, "sum(i = 1..4, i^2)") == "30\n");
    CHECK(run(s, "mean(i = 1..4, i^2)") == "7.5\n");
    CHECK(run(s, "f(n) = sum(i = 1..n, i)") == "f(n) = sum(i = 1..n, i)\n");
    CHECK(run(s, "f(100)") == "5050\n");
}

TEST_CASE("repl: :save writes what :load reads back", "[repl]") {
    Scratch dir("save");
    const std::string file = (dir.path / "defs.txt").string();
    {
        Repl s;
        run(s, "f(x, y) = (1-x)^2 + 100*(y-x^2)^2");
        run(s, "g = grad(f)");
        run(s, "a = 2*pi");
        CHECK(run(s, ":save " + file) == "saved 3 definitions to " + file + "\n");
    }
    Repl t;
    CHECK(run(t, ":load " + file) == "loaded " + file + ": 3 definitions\n");
    CHECK(t.names() == std::vector<std::string>{"f", "g", "a"});
    CHECK(run(t, "g(0.5, 0.5)") == "[-51, 50]\n");
    CHECK(run(t, "a") == "6.283185307179586\n");
}

TEST_CASE("repl: an interrupt stops a long minimise and the session goes on", "[repl]") {
    int polls = 0;
    symdiff::ReplOptions o;
    o.interrupted = [&] { return ++polls > 3; };
    Repl s(o);
    run(s, "f(x, y) = (1-x)^2 + 100*(y-x^2)^2");
    ReplReply r = s.run("minimize f from (-1, 1) steps 1000000000");
    CHECK(r.ok());
    CHECK(r.output.find("stopped:  interrupted (Ctrl-C) at step") != std::string::npos);
    CHECK(run(s, "f(1, 1)") == "0\n");
}

TEST_CASE("repl: an interrupt stops a long sum and the session goes on", "[repl]") {
    volatile std::sig_atomic_t flag = 0;
    symdiff::ReplOptions o;
    o.stop = &flag;
    Repl s(o);
    // Not stopped: the value is the one the session without a flag (evaluate()) gives, to the bit.
    Repl plain;
    CHECK(run(s, "sum(i = 1..1000, sin(i))") == run(plain, "sum(i = 1..1000, sin(i))"));
    CHECK(run(s, "sum(i = 1..1000, sin(i))") == "0.8139696340731666\n");
    flag = 1;
    for (std::string statement : {"sum(i = 1..10^9, sin(i))", "2*sum(k = 1..10^9, k^2*sin(k)) + 1",
                                  "[1, sum(i = 1..10^9, cos(i))]"}) {
        ReplReply r = s.run(statement);
        CHECK_FALSE(r.ok());
        CHECK(r.errors.rfind("error: evaluation interrupted", 0) == 0);
    }
    // A definition is kept (nothing typed is lost); only its value is cut short.
    ReplReply d = s.run("a = sum(i = 1..10^9, sin(i))");
    CHECK(d.ok());
    CHECK(d.output.find(" (value not computed: interrupted)\n") != std::string::npos);
    CHECK(s.names() == std::vector<std::string>{"a"});
    flag = 0;
    CHECK(run(s, "1 + 1") == "2\n");
}

// ParseOptions::functions, the parser's side of the REPL's definitions.
TEST_CASE("parse: user functions expand by substitution", "[repl][parse]") {
    using namespace symdiff;
    Context ctx;
    ParseOptions o;
    Expr x = ctx.symbol("x"), y = ctx.symbol("y"), z = ctx.symbol("z");
    auto p = [&](std::string_view text) { return parse_expr(ctx, text, o); };
    o.functions["f"] = UserFunction{{x, y}, parse_expr(ctx, "x^2*y")};
    o.functions["a"] = UserFunction{{}, ctx.integer(3)};
    o.functions["g"] = UserFunction{{x}, parse_expr(ctx, "[x, 2*x]")};

    CHECK(p("f(2, 3)") == ctx.integer(12));
    CHECK(p("f(y, x)") == parse_expr(ctx, "y^2*x")); // all parameters at once
    CHECK(p("f(1, z) + a") == parse_expr(ctx, "z + 3"));
    CHECK(p("f(f(1, 2), 1)") == ctx.integer(4));
    CHECK(p("f + 1") == parse_expr(ctx, "x^2*y + 1"));
    CHECK(p("a(x + 1)") == parse_expr(ctx, "3*(x + 1)")); // a value times a bracket, as for a variable
    CHECK(p("2a") == ctx.integer(6));
    CHECK(p("f²(1, 2)") == ctx.integer(4));
    CHECK(p("g(5)") == parse_expr(ctx, "[5, 10]"));

    // Variables in order of appearance, a body's parameters first.
    CHECK(parse(ctx, "z + f", o).variables == std::vector<Expr>{z, x, y});
    CHECK(parse(ctx, "f(z, 2)", o).variables == std::vector<Expr>{z});

    // A wrong number of arguments is reported at the name, as for a built-in.
    try {
        p("1 + f(1)");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.diagnostic().message == "f takes 2 arguments (x, y), got 1");
        CHECK(e.diagnostic().column == 5);
        CHECK(e.diagnostic().length == 1);
    }

    // Built-in names keep their meaning; without a table nothing changes.
    o.functions["sin"] = UserFunction{{x}, x};
    o.functions["pi"] = UserFunction{{}, ctx.integer(3)};
    CHECK(p("sin(0)") == ctx.integer(0));
    CHECK(p("pi") == ctx.pi());
    CHECK_THROWS_WITH(parse_expr(ctx, "f(1, 2)"), "unknown function 'f'");
}

#ifdef SYMDIFF_CLI // the program is built (SYMDIFF_BUILD_TOOLS)

TEST_CASE("repl: golden transcripts", "[repl][golden]") {
    const bool update = std::getenv("SYMDIFF_UPDATE_GOLDEN") != nullptr;
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(kGoldenDir))
        if (entry.path().extension() == ".input") inputs.push_back(entry.path());
    std::sort(inputs.begin(), inputs.end());
    REQUIRE(inputs.size() >= 5);
    for (const fs::path& input : inputs) {
        // Each transcript runs in a scratch folder (for :save and :load) with HOME there too,
        // holding a copy of tests/golden/repl/files for :load.
        Scratch dir(input.stem().string());
        for (const auto& f : fs::directory_iterator(kGoldenDir / "files")) fs::copy(f.path(), dir.path / f.path().filename());
        const fs::path out = dir.path / "transcript";
        std::string line = "cd '" + dir.path.string() + "' && HOME='" + dir.path.string() + "' NO_COLOR=1 '" +
                           std::string(SYMDIFF_CLI) + "' repl --echo <'" + input.string() + "' >'" + out.string() +
                           "' 2>&1";
        int raw = std::system(line.c_str());
        std::string actual = "--- exit " + std::to_string(symdiff::test::exit_status(raw)) + "\n" + slurp(out);
        fs::path expected_path = input;
        expected_path.replace_extension(".expected");
        if (update) {
            std::ofstream(expected_path, std::ios::binary) << actual;
            continue;
        }
        INFO("golden " << input.filename().string() << " (SYMDIFF_UPDATE_GOLDEN=1 rewrites it)\n" << actual);
        CHECK(matches(slurp(expected_path), actual));
    }
}

#endif // SYMDIFF_CLI
