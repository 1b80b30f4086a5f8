// Printed derivatives keep their value: for every case of the form measure (the seed corpus's
// derivatives and bench/forms/textbook.txt), the derivative as `symdiff diff` prints it, read
// back, equals the unsimplified derivative at random points wherever both are defined. This
// is what makes combining fractions, cancelling and taking roots out safe to print.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/simplify.hpp"

using namespace symdiff;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct FormCase {
    std::string expr;
    std::string wrt; // "" for the one variable
};

std::vector<FormCase> cases() {
    std::vector<FormCase> out;
    std::istringstream lines(slurp(SYMDIFF_SOURCE_DIR "/bench/forms/textbook.txt"));
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        FormCase c;
        std::size_t semi = line.find(';');
        c.expr = line.substr(0, semi);
        if (semi != std::string::npos) c.wrt = line.substr(line.find("wrt=", semi) + 4);
        out.push_back(c);
    }
    std::string text = slurp(SYMDIFF_SHARED_DIR "/acceptance/seed_cases.json");
    for (const char* tok : {"-Infinity", "Infinity", "NaN"})
        for (std::size_t p = text.find(tok); p != std::string::npos; p = text.find(tok, p))
            text.replace(p, std::strlen(tok), "null");
    for (const auto& c : nlohmann::json::parse(text)) {
        const std::string kind = c.value("kind", "");
        if (kind != "derivative" && kind != "partial" && kind != "gradient" && kind != "jacobian") continue;
        if (!c["expr"].is_string() || c.contains("defs")) continue;
        const std::string e = c["expr"].get<std::string>();
        if (e.empty() || e[0] == '[') continue;
        for (const auto& v : c["vars"]) out.push_back({e, v.get<std::string>()});
    }
    return out;
}

} // namespace

TEST_CASE("forms: every printed derivative equals the unsimplified one at random points", "[forms][property]") {
    const std::vector<FormCase> all = cases();
    REQUIRE(all.size() >= 400);
    std::mt19937_64 rng(20);
    std::uniform_real_distribution<double> u(0.2, 2.5);
    int compared = 0;
    for (const FormCase& c : all) {
        Context ctx;
        Expr f = parse_expr(ctx, c.expr);
        std::vector<Expr> vars = free_symbols(f);
        Expr x = c.wrt.empty() ? (vars.size() == 1 ? vars[0] : ctx.symbol("x")) : ctx.symbol(c.wrt);
        Expr raw = diff(f, x);
        std::string printed = to_string(simplify(raw));
        Expr back = parse_expr(ctx, printed);
        INFO("d/d" << x.name() << " " << c.expr << "\n  printed: " << printed << "\n  raw:     " << to_string(raw));
        int defined = 0;
        for (int k = 0; k < 20 && defined < 5; ++k) {
            Bindings at;
            for (Expr v : vars) at.emplace(v.name(), u(rng));
            const double a = evaluate(raw, at), b = evaluate(back, at);
            if (!std::isfinite(a) || !std::isfinite(b)) continue;
            INFO("at " << [&] {
                std::string s;
                for (const auto& [n, v] : at) s += n + "=" + std::to_string(v) + " ";
                return s;
            }());
            REQUIRE(std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)}));
            ++defined;
        }
        compared += defined > 0;
    }
    // Nearly every case is defined somewhere in (0.2, 2.5)^n (acosh(x) needs x > 1, and so on).
    CHECK(compared >= static_cast<int>(all.size()) * 9 / 10);
}
