// The language reference (grammars/README.md) checked: every row of its example and error
// tables (and of those of "Vectors, sums and data") is parsed, so the page cannot drift from
// the parser.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/parse.hpp"

using namespace symdiff;

namespace {

std::string read_reference() {
    std::ifstream in(SYMDIFF_SOURCE_DIR "/grammars/README.md");
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The cells of each table row between `<!-- name:begin -->` and `<!-- name:end -->`, header
// and separator rows left out.
std::vector<std::vector<std::string>> table(const std::string& doc, const std::string& name) {
    auto begin = doc.find("<!-- " + name + ":begin -->");
    auto end = doc.find("<!-- " + name + ":end -->");
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    std::vector<std::vector<std::string>> rows;
    std::istringstream lines(doc.substr(begin, end - begin));
    std::string line;
    int row = 0;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] != '|') continue;
        if (row++ < 2) continue;
        std::vector<std::string> cells;
        std::size_t at = 1;
        for (std::size_t bar = line.find('|', at); bar != std::string::npos; bar = line.find('|', at)) {
            std::string cell = line.substr(at, bar - at);
            auto first = cell.find_first_not_of(' ');
            auto last = cell.find_last_not_of(' ');
            cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
            at = bar + 1;
        }
        rows.push_back(cells);
    }
    return rows;
}

// The text of a `code` cell, with \n and \t as newline and tab.
std::string code(const std::string& cell) {
    std::string s = cell;
    if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == 't')) {
            out += s[++i] == 'n' ? '\n' : '\t';
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string> names(const std::string& cell) {
    std::vector<std::string> out;
    std::istringstream in(cell);
    std::string n;
    while (std::getline(in, n, ',')) {
        auto first = n.find_first_not_of(' ');
        if (first != std::string::npos) out.push_back(n.substr(first, n.find_last_not_of(' ') - first + 1));
    }
    return out;
}

std::vector<std::string> symbol_names(const std::vector<Expr>& symbols) {
    std::vector<std::string> out;
    for (Expr s : symbols) out.push_back(s.name());
    return out;
}

void check_errors(const std::vector<std::vector<std::string>>& rows) {
    for (const auto& r : rows) {
        REQUIRE(r.size() == 3);
        std::string input = code(r[0]);
        CAPTURE(input, r[1], r[2]);
        Context ctx;
        try {
            parse(ctx, input);
            FAIL("accepted");
        } catch (const Error& e) {
            const Diagnostic& d = e.diagnostic();
            CHECK(d.message == r[1]);
            CHECK(std::to_string(d.line) + ":" + std::to_string(d.column) == r[2]);
        }
    }
}

} // namespace

TEST_CASE("grammar reference: every example means its explicit form", "[parse][reference]") {
    auto rows = table(read_reference(), "examples");
    REQUIRE(rows.size() >= 50);
    for (const auto& r : rows) {
        REQUIRE(r.size() == 3);
        Context ctx;
        ParseOptions o;
        o.variables = names(r[2]);
        std::string input = code(r[0]), meaning = code(r[1]);
        CAPTURE(input, meaning, r[2]);
        CHECK(parse_expr(ctx, input, o) == parse_expr(ctx, meaning, o));
    }
}

TEST_CASE("grammar reference: every error example has its exact message and position", "[parse][reference]") {
    auto rows = table(read_reference(), "errors");
    REQUIRE(rows.size() >= 20);
    check_errors(rows);
}

TEST_CASE("grammar reference: vectors, sums and data examples, with their variables and vectors",
          "[parse][reference][vectors]") {
    auto rows = table(read_reference(), "vector-examples");
    REQUIRE(rows.size() >= 15);
    for (const auto& r : rows) {
        REQUIRE(r.size() == 4);
        Context ctx;
        std::string input = code(r[0]), meaning = code(r[1]);
        CAPTURE(input, meaning, r[2], r[3]);
        Parsed p = parse(ctx, input);
        CHECK(p.expr == parse_expr(ctx, meaning));
        CHECK(symbol_names(p.variables) == names(r[2]));
        CHECK(symbol_names(p.vectors) == names(r[3]));
    }
}

TEST_CASE("grammar reference: vectors, sums and data errors", "[parse][reference][vectors]") {
    auto rows = table(read_reference(), "vector-errors");
    REQUIRE(rows.size() >= 15);
    check_errors(rows);
}

// The reference says a typed decimal is exactly its rational but stays spelt as a decimal:
// 2.5 and 5/2 are different nodes of the same value, each printed as written.
TEST_CASE("grammar reference: a typed decimal has its rational's value and its own spelling", "[parse][reference]") {
    Context ctx;
    for (auto [dec, frac] : {std::pair{"2.5", "5/2"}, {".5", "1/2"}, {"1e-3", "1/1000"}}) {
        CAPTURE(dec, frac);
        Expr d = parse_expr(ctx, dec), f = parse_expr(ctx, frac);
        REQUIRE(d.is_number());
        REQUIRE(f.is_number());
        CHECK(d.number().is_exact());
        CHECK(d.number().same_value(f.number()));
        CHECK_FALSE(d == f);
    }
}
