// The example data sets (examples/data/, written by scripts/make-datasets.py) read through
// read_csv reproduce the seed corpus's reference numbers (../shared/acceptance/seed_cases.json):
// least squares in closed form and the logistic loss at zero, computed here by plain loops, so
// that a wrong file, a lossy number format or a misreading reader all fail.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "symdiff/data.hpp"

using namespace symdiff;
using nlohmann::json;

namespace {

std::string data_path(const std::string& name) { return SYMDIFF_SOURCE_DIR "/examples/data/" + name + ".csv"; }

// Python's json module writes non-finite numbers as bare NaN / Infinity / -Infinity, which
// nlohmann::json rejects; none of them is needed here, so each becomes null. Strings are
// copied through untouched (a note could mention "NaN").
std::string nonfinite_to_null(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        if (in[i] == '"') {
            std::size_t j = i + 1;
            while (j < in.size() && in[j] != '"') j += in[j] == '\\' ? 2 : 1;
            out.append(in.substr(i, j + 1 - i));
            i = j + 1;
            continue;
        }
        bool matched = false;
        for (std::string_view word : {"-Infinity", "Infinity", "NaN"}) {
            if (in.substr(i, word.size()) == word) {
                out += "null";
                i += word.size();
                matched = true;
                break;
            }
        }
        if (!matched) out += in[i++];
    }
    return out;
}

const json& seed_case(const std::string& id) {
    static const json cases = [] {
        std::ifstream in(SYMDIFF_SHARED_DIR "/acceptance/seed_cases.json", std::ios::binary);
        const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        return json::parse(nonfinite_to_null(text));
    }();
    const auto found = std::find_if(cases.begin(), cases.end(), [&](const json& c) { return c.value("id", "") == id; });
    INFO("seed case " << id);
    REQUIRE(found != cases.end());
    return *found;
}

// The corpus prints 6 decimals: a value matches when it rounds to the printed one.
bool matches_printed(double value, double printed) { return std::abs(value - printed) <= 5e-7 + 1e-12; }

struct Line {
    double slope, intercept, mse;
};

Line simple_least_squares(const std::vector<double>& x, const std::vector<double>& y) {
    const double n = static_cast<double>(x.size());
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    double sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    Line fit{sxy / sxx, 0, 0};
    fit.intercept = my - fit.slope * mx;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double r = fit.slope * x[i] + fit.intercept - y[i];
        fit.mse += r * r;
    }
    fit.mse /= n;
    return fit;
}

// Least squares with an intercept: solves the normal equations (AᵀA)c = Aᵀy, A = [features | 1],
// by Gaussian elimination with partial pivoting. Returns the coefficients, intercept last.
std::vector<double> least_squares(const std::vector<std::vector<double>>& features, const std::vector<double>& y) {
    const std::size_t k = features.size() + 1;
    auto a = [&](std::size_t j, std::size_t r) { return j < features.size() ? features[j][r] : 1.0; };
    std::vector<std::vector<double>> m(k, std::vector<double>(k + 1, 0.0));
    for (std::size_t r = 0; r < y.size(); ++r)
        for (std::size_t i = 0; i < k; ++i) {
            for (std::size_t j = 0; j < k; ++j) m[i][j] += a(i, r) * a(j, r);
            m[i][k] += a(i, r) * y[r];
        }
    for (std::size_t col = 0; col < k; ++col) {
        std::size_t pivot = col;
        for (std::size_t i = col + 1; i < k; ++i)
            if (std::abs(m[i][col]) > std::abs(m[pivot][col])) pivot = i;
        std::swap(m[col], m[pivot]);
        for (std::size_t i = 0; i < k; ++i) {
            if (i == col) continue;
            const double f = m[i][col] / m[col][col];
            for (std::size_t j = col; j <= k; ++j) m[i][j] -= f * m[col][j];
        }
    }
    std::vector<double> c(k);
    for (std::size_t i = 0; i < k; ++i) c[i] = m[i][k] / m[i][i];
    return c;
}

const std::vector<double>& column(const DataSet& d, std::string_view name) {
    const std::vector<double>* c = d.column(name);
    REQUIRE(c != nullptr);
    return *c;
}

} // namespace

TEST_CASE("linear-regression data sets: rows and least squares match the corpus", "[datasets]") {
    struct Case {
        const char* id;
        const char* dataset;
        const char* slope;
        const char* intercept;
    };
    for (const Case& c : {Case{"s000-linreg-gd", "s000_linreg", "w", "b"}, Case{"s002-linreg-project", "s002_linreg", "m", "b"},
                          Case{"s003-linreg-gradients", "s003_linreg", "w", "b"}}) {
        INFO(c.dataset);
        const json& seed = seed_case(c.id);
        CHECK(seed["setup"]["dataset"] == c.dataset);
        const json& ref = seed["reference"];

        const DataSet d = read_csv(data_path(c.dataset));
        CHECK(d.names == std::vector<std::string>{"x", "y"});
        CHECK(d.rows() == ref["n"].get<std::size_t>());

        const Line fit = simple_least_squares(column(d, "x"), column(d, "y"));
        CHECK(matches_printed(fit.slope, ref["ols_solution"][c.slope].get<double>()));
        CHECK(matches_printed(fit.intercept, ref["ols_solution"][c.intercept].get<double>()));
        CHECK(matches_printed(fit.mse, ref["ols_solution"]["mse"].get<double>()));

        // The same line from the general solver: the two methods check each other.
        const std::vector<double> general = least_squares({column(d, "x")}, column(d, "y"));
        CHECK(general[0] == Approx(fit.slope).epsilon(1e-12));
        CHECK(general[1] == Approx(fit.intercept).epsilon(1e-12));

        if (ref.contains("at_check_point")) {
            const json& point = ref["at_check_point"];
            const double m = point["at"][c.slope].get<double>();
            const double b = point["at"][c.intercept].get<double>();
            const auto& x = column(d, "x");
            const auto& y = column(d, "y");
            double loss = 0, dm = 0, db = 0;
            for (std::size_t i = 0; i < d.rows(); ++i) {
                const double r = m * x[i] + b - y[i];
                loss += r * r;
                dm += 2 * r * x[i];
                db += 2 * r;
            }
            const double n = static_cast<double>(d.rows());
            CHECK(matches_printed(loss / n, point["loss"].get<double>()));
            CHECK(matches_printed(dm / n, point["grad"][c.slope].get<double>()));
            CHECK(matches_printed(db / n, point["grad"][c.intercept].get<double>()));
        }
    }
}

TEST_CASE("s002: the numbers quoted in the brief", "[datasets]") {
    // Pinned here as well, so that a change to the corpus cannot quietly move them.
    const DataSet d = read_csv(data_path("s002_linreg"));
    const Line fit = simple_least_squares(column(d, "x"), column(d, "y"));
    CHECK(matches_printed(fit.slope, 1.981381));
    CHECK(matches_printed(fit.intercept, 0.992486));
    double loss = 0;
    for (std::size_t i = 0; i < d.rows(); ++i) {
        const double r = 0.5 * column(d, "x")[i] - 0.3 - column(d, "y")[i];
        loss += r * r;
    }
    CHECK(matches_printed(loss / 50, 7.325955));
}

TEST_CASE("s003 logistic data set: loss and gradient at zero match the corpus", "[datasets]") {
    const json& seed = seed_case("s003-logistic-bce");
    CHECK(seed["setup"]["dataset"] == "s003_logistic");
    const json& ref = seed["reference"]["at_w0_b0"];

    const DataSet d = read_csv(data_path("s003_logistic"));
    CHECK(d.names == std::vector<std::string>{"x1", "x2", "y"});
    REQUIRE(d.rows() == 100);
    const auto& x1 = column(d, "x1");
    const auto& x2 = column(d, "x2");
    const auto& y = column(d, "y");
    // The seed draws the 50 positive points first.
    for (std::size_t i = 0; i < 100; ++i) CHECK(y[i] == (i < 50 ? 1.0 : 0.0));

    const double w1 = 0, w2 = 0, b = 0;
    double loss = 0, g1 = 0, g2 = 0, gb = 0;
    for (std::size_t i = 0; i < d.rows(); ++i) {
        double p = 1 / (1 + std::exp(-(w1 * x1[i] + w2 * x2[i] + b)));
        p = std::clamp(p, 1e-15, 1 - 1e-15); // as the seed clips
        loss -= y[i] * std::log(p) + (1 - y[i]) * std::log(1 - p);
        g1 += (p - y[i]) * x1[i];
        g2 += (p - y[i]) * x2[i];
        gb += p - y[i];
    }
    const double n = static_cast<double>(d.rows());
    CHECK(matches_printed(loss / n, ref["loss"].get<double>()));
    CHECK(loss / n == Approx(std::log(2.0)).epsilon(1e-15));
    CHECK(matches_printed(g1 / n, ref["dL/dw"][0].get<double>()));
    CHECK(matches_printed(g2 / n, ref["dL/dw"][1].get<double>()));
    CHECK(gb / n == 0.0);
    CHECK(ref["dL/db"].get<double>() == 0.0);
}

TEST_CASE("s003 XOR data set: the four examples", "[datasets]") {
    const DataSet d = read_csv(data_path("s003_xor"));
    CHECK(d.names == std::vector<std::string>{"x1", "x2", "y"});
    CHECK(d.columns[0] == std::vector<double>{0, 0, 1, 1});
    CHECK(d.columns[1] == std::vector<double>{0, 1, 0, 1});
    CHECK(d.columns[2] == std::vector<double>{0, 1, 1, 0});
}

TEST_CASE("poly and multi data sets: least squares as examples/data/README.md states", "[datasets]") {
    // These two are ours (the seeds name the exercises but give no data); the reference
    // numbers are those printed by `scripts/make-datasets.py --check` (numpy's lstsq).
    SECTION("poly: y = a*x^2 + b*x + c") {
        const DataSet d = read_csv(data_path("poly"));
        CHECK(d.names == std::vector<std::string>{"x", "y"});
        REQUIRE(d.rows() == 60);
        std::vector<double> x2;
        for (double x : column(d, "x")) x2.push_back(x * x);
        const std::vector<double> c = least_squares({x2, column(d, "x")}, column(d, "y"));
        CHECK(matches_printed(c[0], 0.523753));
        CHECK(matches_printed(c[1], -0.992142));
        CHECK(matches_printed(c[2], 1.986204));
    }
    SECTION("multi: y = w1*x1 + w2*x2 + b") {
        const DataSet d = read_csv(data_path("multi"));
        CHECK(d.names == std::vector<std::string>{"x1", "x2", "y"});
        REQUIRE(d.rows() == 80);
        const std::vector<double> c = least_squares({column(d, "x1"), column(d, "x2")}, column(d, "y"));
        CHECK(matches_printed(c[0], 1.533));
        CHECK(matches_printed(c[1], -1.987066));
        CHECK(matches_printed(c[2], 0.481559));
    }
}
