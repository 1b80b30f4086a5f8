// The seed corpus: every derivative, partial, gradient, Jacobian and directional-derivative case
// of ../shared/acceptance/seed_cases.json, checked in value against the tutorial's own answer
// (at its stated points and at random points), plus the golden file of how symdiff prints each
// derivative and the printed length against the tutorial's form.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/simplify.hpp"

using namespace symdiff;
using json = nlohmann::json;

namespace {

const std::filesystem::path kGolden = std::filesystem::path(SYMDIFF_SOURCE_DIR) / "tests/golden/diff/seed_derivatives.expected";

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The corpus has bare NaN literals (in optimiser traces), which JSON has not: they become null.
json corpus() {
    std::string text = read_file(SYMDIFF_SHARED_DIR "/acceptance/seed_cases.json");
    for (const char* tok : {"-Infinity", "Infinity", "NaN"}) {
        for (std::size_t p = text.find(tok); p != std::string::npos; p = text.find(tok, p)) text.replace(p, std::strlen(tok), "null");
    }
    return json::parse(text);
}

bool is_derivative_kind(const std::string& k) {
    return k == "derivative" || k == "partial" || k == "gradient" || k == "jacobian" || k == "directional";
}

// |a - b| <= tol * max(1, |a|, |b|): relative, with an absolute floor for values near zero.
bool close(double a, double b, double tol) {
    if (std::isnan(a) || std::isnan(b)) return false;
    return std::fabs(a - b) <= tol * std::max({1.0, std::fabs(a), std::fabs(b)});
}

struct Case {
    Context ctx;
    json j;
    Expr f;
    std::vector<Expr> vars;
    std::vector<std::pair<Expr, Expr>> defs; // symbol -> definition (the softmax s1, s2, s3)

    explicit Case(const json& c) : j(c) {
        for (const auto& v : c["vars"]) vars.push_back(ctx.symbol(v.get<std::string>()));
        if (c.contains("defs"))
            for (const auto& [name, def] : c["defs"].items()) defs.emplace_back(ctx.symbol(name), parse_expr(ctx, def.get<std::string>()));
        if (!c["expr"].is_null()) f = expand(c["expr"].get<std::string>());
    }
    Expr expand(const std::string& text) {
        ParseOptions po;
        for (const auto& v : j["vars"]) po.variables.push_back(v.get<std::string>());
        Expr e = parse_expr(ctx, text, po);
        return defs.empty() ? e : substitute(e, defs);
    }
    // Values for every free symbol of the case's expressions that `at` leaves unbound:
    // symbolic constants (n, a, c) and unlisted inputs get values in [0.5, 2], where every
    // expression of the corpus is defined (ln(a), x^n).
    Bindings complete(Bindings at, std::mt19937_64& rng, std::initializer_list<Expr> es) {
        std::uniform_real_distribution<double> u(0.5, 2.0);
        for (Expr e : es)
            for (Expr s : free_symbols(e))
                if (!at.count(s.name())) at[s.name()] = u(rng);
        return at;
    }
};

double value_of(Expr e, const Bindings& at) { return evaluate(e, at); }

} // namespace

TEST_CASE("seed corpus: derivatives equal the tutorials' answers in value", "[seed][diff]") {
    const json all = corpus();
    std::mt19937_64 rng(20261122);
    std::uniform_real_distribution<double> pick(0.3, 2.0);
    int cases = 0, comparisons = 0;
    for (const json& c : all) {
        const std::string kind = c["kind"];
        if (!is_derivative_kind(kind) || c["expr"].is_null() || kind == "directional") continue;
        ++cases;
        Case k(c);
        INFO(c["id"].get<std::string>() << ": " << c["expr"].get<std::string>());
        std::vector<Expr> grad = kind == "jacobian" ? std::vector<Expr>{} : gradient(k.f, k.vars);
        std::vector<std::vector<Expr>> jac = kind == "jacobian" ? jacobian(k.f, k.vars) : std::vector<std::vector<Expr>>{};

        // ours for variable i, entry r of a Jacobian column
        auto ours = [&](std::size_t i, std::size_t r) {
            if (kind == "jacobian") return jac[r][i];
            return simplify(diff(k.f, k.vars[i]));
        };
        auto check_expected = [&](const char* field, bool must_match) {
            if (!c.contains(field)) return;
            for (std::size_t i = 0; i < k.vars.size(); ++i) {
                const std::string v = k.vars[i].name();
                if (!c[field].contains(v)) continue;
                Expr want = k.expand(c[field][v].get<std::string>());
                std::size_t rows = want.is(Op::List) ? want.size() : 1;
                for (std::size_t r = 0; r < rows; ++r) {
                    Expr w = want.is(Op::List) ? want[r] : want;
                    Expr got = ours(i, r);
                    int differ = 0;
                    for (int t = 0; t < 25; ++t) {
                        Bindings at;
                        for (Expr s : k.vars) at[s.name()] = pick(rng);
                        at = k.complete(at, rng, {k.f, w});
                        double a = value_of(got, at), b = value_of(w, at);
                        INFO(field << " d/d" << v << " row " << r << ": " << to_string(got) << " vs " << to_string(w));
                        if (must_match) {
                            REQUIRE(close(a, b, 1e-12));
                            // reverse mode and forward mode agree
                            if (kind != "jacobian") REQUIRE(close(value_of(grad[i], at), b, 1e-12));
                        } else if (!close(a, b, 1e-9)) {
                            ++differ;
                        }
                        ++comparisons;
                    }
                    if (!must_match) REQUIRE(differ > 0);
                }
            }
        };
        check_expected("expected", true);
        check_expected("expected_alt", true);
        check_expected("expected_wrong", false);

        // The values the tutorial states at its points.
        if (c.contains("points")) {
            for (const json& p : c["points"]) {
                Bindings at;
                for (const auto& [name, v] : p["at"].items()) at[name] = v.get<double>();
                at = k.complete(at, rng, {k.f});
                const double tol = p.contains("tol") ? p["tol"].get<double>() : 1e-12;
                for (const auto& [name, v] : p["values"].items()) {
                    INFO("point value " << name << " = " << v.dump());
                    if (name == "f") {
                        if (v.is_array()) {
                            for (std::size_t r = 0; r < v.size(); ++r) REQUIRE(close(value_of(k.f[r], at), v[r].get<double>(), tol));
                        } else {
                            REQUIRE(close(value_of(k.f, at), v.get<double>(), tol));
                        }
                        continue;
                    }
                    auto it = std::find_if(k.vars.begin(), k.vars.end(), [&](Expr s) { return s.name() == name; });
                    REQUIRE(it != k.vars.end());
                    std::size_t i = static_cast<std::size_t>(it - k.vars.begin());
                    REQUIRE(close(value_of(ours(i, 0), at), v.get<double>(), tol));
                    ++comparisons;
                }
            }
        }
        if (c.contains("reference_points")) {
            for (const json& p : c["reference_points"]) {
                Bindings at;
                for (const auto& [name, v] : p["at"].items()) at[name] = v.get<double>();
                for (const auto& [name, v] : p["values"].items()) {
                    // the reference is printed to 10 significant digits
                    if (name == "f") {
                        REQUIRE(close(value_of(k.f, at), v.get<double>(), 1e-9));
                        continue;
                    }
                    auto it = std::find_if(k.vars.begin(), k.vars.end(), [&](Expr s) { return s.name() == name; });
                    REQUIRE(close(value_of(grad[static_cast<std::size_t>(it - k.vars.begin())], at), v.get<double>(), 1e-9));
                    ++comparisons;
                }
            }
        }
    }
    REQUIRE(cases >= 110);
    REQUIRE(comparisons > 3000);
}

TEST_CASE("seed corpus: directional derivatives along the tutorials' directions", "[seed][directional]") {
    const json all = corpus();
    int checked = 0;
    for (const json& c : all) {
        if (c["kind"] != "directional") continue;
        INFO(c["id"].get<std::string>());
        if (c["expr"].is_null()) {
            // Interview question 5: grad f = [3, 4] -> u = [0.6, 0.8], rate 5. Any f with that
            // gradient will do: 3x + 4y, whose directional derivative along the gradient is |grad f|.
            Context ctx;
            Expr x = ctx.symbol("x"), y = ctx.symbol("y");
            Expr f = ctx.integer(3) * x + ctx.integer(4) * y;
            const Expr v[] = {x, y};
            auto g = gradient(f, v);
            const json& vc = c["vector_check"];
            REQUIRE(evaluate(g[0], {}) == vc["grad"][0].get<double>());
            REQUIRE(evaluate(g[1], {}) == vc["grad"][1].get<double>());
            Expr du = directional_derivative(f, v, g);
            REQUIRE(close(evaluate(du, {}), vc["rate"].get<double>(), 1e-15));
            // the unit direction is the gradient over its norm
            Expr norm = ctx.sqrt(g[0] * g[0] + g[1] * g[1]);
            REQUIRE(close(evaluate(g[0] / norm, {}), vc["unit"][0].get<double>(), 1e-15));
            REQUIRE(close(evaluate(g[1] / norm, {}), vc["unit"][1].get<double>(), 1e-15));
            ++checked;
            continue;
        }
        Case k(c);
        for (const json& p : c["points"]) {
            std::vector<Expr> dir;
            for (const auto& d : p["direction"]) dir.push_back(k.ctx.real(d.get<double>()));
            Expr du = directional_derivative(k.f, k.vars, dir);
            Bindings at;
            for (const auto& [name, v] : p["at"].items()) at[name] = v.get<double>();
            const double tol = std::max(p.contains("tol") ? p["tol"].get<double>() : 1e-12, 1e-12);
            INFO(to_string(du));
            REQUIRE(close(evaluate(du, at), p["values"]["D_u"].get<double>(), tol));
            ++checked;
        }
    }
    REQUIRE(checked >= 7);
}

namespace {

// Printed length without spaces: the corpus writes "2*x+3*y", symdiff "2*x + 3*y".
std::size_t squeezed(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return ch != ' '; }));
}

} // namespace

TEST_CASE("seed corpus: golden printed derivatives and their length against the tutorials'", "[seed][golden]") {
    const json all = corpus();
    std::string out;
    std::size_t n = 0, ours_total = 0, theirs_total = 0, shorter = 0, equal = 0, longer = 0;
    std::string longer_list;
    for (const json& c : all) {
        const std::string kind = c["kind"];
        if (!is_derivative_kind(kind) || c["expr"].is_null() || !c.contains("expected")) continue;
        Case k(c);
        out += "## " + c["id"].get<std::string>() + ": " + c["expr"].get<std::string>() + "\n";
        for (std::size_t i = 0; i < k.vars.size(); ++i) {
            const std::string v = k.vars[i].name();
            if (!c["expected"].contains(v)) continue;
            Expr d = kind == "jacobian" ? [&] {
                std::vector<Expr> col;
                for (const auto& row : jacobian(k.f, k.vars)) col.push_back(simplify(row[i]));
                return k.ctx.list(col);
            }()
                                        : simplify(diff(k.f, k.vars[i]));
            const std::string text = to_string(d), theirs = c["expected"][v].get<std::string>();
            out += "d/d" + v + "  text     " + text + "\n";
            out += "d/d" + v + "  unicode  " + to_string(d, Format::Unicode) + "\n";
            out += "d/d" + v + "  latex    " + to_string(d, Format::Latex) + "\n";
            out += "d/d" + v + "  tutorial " + theirs + "\n";
            if (kind == "jacobian") continue; // the tutorial writes the softmax Jacobian in s1, s2, s3
            ++n;
            std::size_t a = squeezed(text), b = squeezed(theirs);
            ours_total += a;
            theirs_total += b;
            if (a < b) ++shorter;
            else if (a == b) ++equal;
            else {
                ++longer;
                longer_list += "#   " + c["id"].get<std::string>() + " d/d" + v + ": " + text + " (" + std::to_string(a) +
                               ") vs " + theirs + " (" + std::to_string(b) + ")\n";
            }
        }
    }
    char summary[512];
    std::snprintf(summary, sizeof summary,
                  "# %zu derivatives of the seed corpus, printed length without spaces:\n"
                  "# symdiff %zu characters, tutorials %zu (ratio %.3f); shorter %zu, equal %zu, longer %zu\n",
                  n, ours_total, theirs_total, static_cast<double>(ours_total) / static_cast<double>(theirs_total), shorter,
                  equal, longer);
    const std::string actual = std::string(summary) + longer_list + "\n" + out;
    std::puts(summary);
    if (std::getenv("SYMDIFF_UPDATE_GOLDEN")) {
        std::filesystem::create_directories(kGolden.parent_path());
        std::ofstream(kGolden, std::ios::binary) << actual;
    }
    const std::string expected = read_file(kGolden);
    INFO("(SYMDIFF_UPDATE_GOLDEN=1 rewrites " << kGolden.string() << ")");
    REQUIRE(!expected.empty());
    std::istringstream a(actual), b(expected);
    std::string la, lb;
    for (int line = 1;; ++line) {
        bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
        if (!ga && !gb) break;
        INFO("line " << line << "\n  expected: " << lb << "\n  actual:   " << la);
        REQUIRE((ga == gb && la == lb));
    }
    // Never longer than the tutorials' own forms overall.
    REQUIRE(ours_total <= theirs_total);
}
