// CSV reading (include/symdiff/data.hpp): every rule, and every error with its exact message,
// since the messages are what a user sees when their data file is wrong.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include "symdiff/data.hpp"
#include "symdiff/diagnostic.hpp"

using namespace symdiff;

namespace {

// The message parse_csv throws for `text`, or "(no error)".
std::string csv_error(const std::string& text, const CsvOptions& options = {}) {
    try {
        parse_csv(text, "data.csv", options);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string read_error(const std::string& path, const CsvOptions& options = {}) {
    try {
        read_csv(path, options);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

// A file in the temporary directory, removed when the test ends.
struct TempFile {
    std::filesystem::path path;
    explicit TempFile(const std::string& stem)
        : path(std::filesystem::temp_directory_path() /
               ("symdiff_test_csv_" + std::to_string(::getpid()) + "_" + stem + ".csv")) {}
    ~TempFile() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
    std::ofstream open() const { return std::ofstream(path, std::ios::binary); }
};

std::string rename_error(DataSet& data, const std::vector<std::pair<std::string, std::string>>& renames) {
    try {
        rename_columns(data, renames);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("a header and rows become named columns", "[csv]") {
    const DataSet d = parse_csv("x,y\n1,2\n3.5,-4e2\n");
    CHECK(d.source == "<data>");
    CHECK(d.names == std::vector<std::string>{"x", "y"});
    REQUIRE(d.columns.size() == 2);
    CHECK(d.rows() == 2);
    CHECK(d.columns[0] == std::vector<double>{1, 3.5});
    CHECK(d.columns[1] == std::vector<double>{2, -400});
    REQUIRE(d.column("y") != nullptr);
    CHECK(d.column("y") == &d.columns[1]);
    CHECK(d.column("z") == nullptr);
    CHECK(d.column("") == nullptr);
}

TEST_CASE("a data set with no columns has no rows", "[csv]") {
    CHECK(DataSet{}.rows() == 0);
    CHECK(DataSet{}.column("x") == nullptr);
}

TEST_CASE("a header with no rows is a data set of 0 rows", "[csv]") {
    for (const char* text : {"x,y\n", "x,y", "x,y\n\n  \n"}) {
        INFO(text);
        const DataSet d = parse_csv(text);
        CHECK(d.names == std::vector<std::string>{"x", "y"});
        CHECK(d.columns.size() == 2);
        CHECK(d.rows() == 0);
    }
}

TEST_CASE("an empty file or one of blank lines has no header", "[csv]") {
    for (const char* text : {"", "\n", "  \n\t\n", "\r\n\r\n", "\xEF\xBB\xBF", "\xEF\xBB\xBF\n \n"}) {
        INFO(text);
        CHECK(csv_error(text) == "data.csv: empty file (no header row)");
    }
}

TEST_CASE("CRLF and LF line ends, with or without a final newline", "[csv]") {
    for (const char* text : {"x,y\r\n1,2\r\n3,4\r\n", "x,y\n1,2\n3,4\n", "x,y\r\n1,2\n3,4", "x,y\n1,2\r\n3,4\r"}) {
        INFO(text);
        const DataSet d = parse_csv(text);
        CHECK(d.names == std::vector<std::string>{"x", "y"});
        CHECK(d.columns[0] == std::vector<double>{1, 3});
        CHECK(d.columns[1] == std::vector<double>{2, 4});
    }
}

TEST_CASE("a UTF-8 byte order mark at the start is skipped", "[csv]") {
    const DataSet d = parse_csv("\xEF\xBB\xBFx,y\n1,2\n");
    CHECK(d.names == std::vector<std::string>{"x", "y"});
    // It takes no column: the empty name is the 3rd character a reader sees.
    CHECK(csv_error("\xEF\xBB\xBFx,,y\n") == "data.csv:1:3: empty column name");
    // Only at the start of the file.
    CHECK(csv_error("x\n\xEF\xBB\xBF" "1\n") == "data.csv:2:1: '\xEF\xBB\xBF" "1' is not a number");
}

TEST_CASE("blank lines are skipped anywhere, and still counted", "[csv]") {
    const DataSet d = parse_csv("\n  \nx,y\n\n1,2\n \t \r\n3,4\n\n");
    CHECK(d.rows() == 2);
    CHECK(d.columns[1] == std::vector<double>{2, 4});
    CHECK(csv_error("\n\nx,y\n\n1,2\n\n1,q\n") == "data.csv:7:3: 'q' is not a number");
}

TEST_CASE("fields are trimmed of spaces and tabs", "[csv]") {
    const DataSet d = parse_csv("  x\t,\ty  \n 1 ,\t2\t\n");
    CHECK(d.names == std::vector<std::string>{"x", "y"});
    CHECK(d.columns[0] == std::vector<double>{1});
    CHECK(d.columns[1] == std::vector<double>{2});
}

TEST_CASE("quoted fields, with \"\" for a quote", "[csv]") {
    const DataSet d = parse_csv("\"x\", \" y \" ,\"_z1\"\n\"1.5\" , \" -2 \",3\n");
    CHECK(d.names == std::vector<std::string>{"x", "y", "_z1"});
    CHECK(d.columns[0] == std::vector<double>{1.5});
    CHECK(d.columns[1] == std::vector<double>{-2});
    CHECK(d.columns[2] == std::vector<double>{3});
    // The escape is understood, in the header and in a row; neither makes a valid cell.
    CHECK(csv_error("\"a\"\"b\"\n") ==
          "data.csv:1:1: column name 'a\"b' is not an identifier (a letter or '_', then letters, digits or '_')");
    CHECK(csv_error("x,y\n1,\"2\"\"3\"\n") == "data.csv:2:3: '2\"3' is not a number");
    // A delimiter inside quotes is part of the field.
    CHECK(csv_error("x,y\n\"1,5\",2\n") == "data.csv:2:1: '1,5' is not a number");
    CHECK(csv_error("x,y\n\"\",2\n") == "data.csv:2:1: empty cell");
}

TEST_CASE("quoting errors", "[csv]") {
    CHECK(csv_error("x,y\n\"1\n2\",3\n") == "data.csv:2: newline inside a quoted field");
    CHECK(csv_error("\"x\ny\"\n1\n") == "data.csv:1: newline inside a quoted field");
    CHECK(csv_error("x,y\n1,\"2") == "data.csv:2:3: quoted field is not closed");
    CHECK(csv_error("x,y\n\"1\"2,3\n") == "data.csv:2:4: expected ',' or the end of the line after a quoted field");
    CHECK(csv_error("x,y\n\"1\" 2,3\n") == "data.csv:2:5: expected ',' or the end of the line after a quoted field");
}

TEST_CASE("columns count characters, not bytes", "[csv]") {
    CHECK(csv_error("x,y\n\"\xC3\xA9\"z,2\n") ==
          "data.csv:2:4: expected ',' or the end of the line after a quoted field");
    CHECK(csv_error("x,y\n1,\xCF\x80\n") == "data.csv:2:3: '\xCF\x80' is not a number");
}

TEST_CASE("numbers: what from_chars reads, plus a leading '+'", "[csv]") {
    const DataSet d = parse_csv("v\n+1\n-2.5\n1e3\n.5\n5.\n-0\n0.1\n1.7976931348623157e308\n4.9e-324\n");
    const std::vector<double> want{1, -2.5, 1000, 0.5, 5, -0.0, 0.1, 1.7976931348623157e308, 4.9e-324};
    CHECK(d.columns[0] == want);
    CHECK(std::signbit(d.columns[0][5]));

    const DataSet special = parse_csv("v\ninf\n-inf\n+INF\nInf\nnan\nNaN\n-NAN\n");
    const auto& v = special.columns[0];
    REQUIRE(v.size() == 7);
    CHECK(v[0] == HUGE_VAL);
    CHECK(v[1] == -HUGE_VAL);
    CHECK(v[2] == HUGE_VAL);
    CHECK(v[3] == HUGE_VAL);
    CHECK(std::isnan(v[4]));
    CHECK(std::isnan(v[5]));
    CHECK(std::isnan(v[6]));
}

TEST_CASE("cells that are not numbers", "[csv]") {
    // The example of the contract: file, line, column of the cell, the cell quoted.
    CHECK(csv_error("x,y\n1,2\n1.0,abc\n") == "data.csv:3:5: 'abc' is not a number");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"1.2.3", "data.csv:2:1: '1.2.3' is not a number"},
        {"12abc", "data.csv:2:1: '12abc' is not a number"},
        {"0x1A", "data.csv:2:1: '0x1A' is not a number"},
        {"0x1p3", "data.csv:2:1: '0x1p3' is not a number"},
        {"+-1", "data.csv:2:1: '+-1' is not a number"},
        {"++1", "data.csv:2:1: '++1' is not a number"},
        {"-+1", "data.csv:2:1: '-+1' is not a number"},
        {"+", "data.csv:2:1: '+' is not a number"},
        {"-", "data.csv:2:1: '-' is not a number"},
        {".", "data.csv:2:1: '.' is not a number"},
        {"1e", "data.csv:2:1: '1e' is not a number"},
        {"1 2", "data.csv:2:1: '1 2' is not a number"},
        {"1,5", "data.csv:2: row has 2 fields, the header has 1"},
        {"  abc  ", "data.csv:2:3: 'abc' is not a number"},
        {"infinite", "data.csv:2:1: 'infinite' is not a number"},
        {"true", "data.csv:2:1: 'true' is not a number"},
        {"1e400", "data.csv:2:1: '1e400' is out of the range of a double"},
        {"-1e400", "data.csv:2:1: '-1e400' is out of the range of a double"},
    };
    for (const auto& [cell, message] : cases) {
        INFO(cell);
        CHECK(csv_error("v\n" + cell + "\n") == message);
    }
}

TEST_CASE("empty cells are errors", "[csv]") {
    CHECK(csv_error("x,y,z\n1,,3\n") == "data.csv:2:3: empty cell");
    CHECK(csv_error("x,y\n1,   \n") == "data.csv:2:3: empty cell");
    CHECK(csv_error("x,y\n,2\n") == "data.csv:2:1: empty cell");
}

TEST_CASE("a quoted cell is cut to 40 characters, control bytes shown as '?'", "[csv]") {
    const std::string long_cell(50, 'a');
    CHECK(csv_error("v\n" + long_cell + "\n") == "data.csv:2:1: '" + std::string(40, 'a') + "...' is not a number");
    CHECK(csv_error("v\n" + std::string(40, 'b') + "\n") == "data.csv:2:1: '" + std::string(40, 'b') + "' is not a number");
    // 41 two-byte characters: the cut falls between characters, not inside one.
    std::string pis;
    for (int i = 0; i < 41; ++i) pis += "\xCF\x80";
    CHECK(csv_error("v\n" + pis + "\n") == "data.csv:2:1: '" + pis.substr(0, 80) + "...' is not a number");
    CHECK(csv_error(std::string("v\n1\x01\x1b[2J\n", 9)) == "data.csv:2:1: '1??[2J' is not a number");
    CHECK(csv_error("v\n1\xFF\n") == "data.csv:2:1: '1?' is not a number");
}

TEST_CASE("ragged rows", "[csv]") {
    CHECK(csv_error("x,y\n1,2\n1,2,3\n") == "data.csv:3: row has 3 fields, the header has 2");
    CHECK(csv_error("x,y\n1\n") == "data.csv:2: row has 1 field, the header has 2");
    // A delimiter at the end of a line starts one more (empty) field.
    CHECK(csv_error("x,y\n1,2,\n") == "data.csv:2: row has 3 fields, the header has 2");
    CHECK(csv_error("x\n1\n2\n\n3,4") == "data.csv:5: row has 2 fields, the header has 1");
}

TEST_CASE("column names are distinct identifiers", "[csv]") {
    CHECK(csv_error("x, y, x\n") == "data.csv:1:7: duplicate column name 'x'");
    CHECK(csv_error("x,\"x\"\n") == "data.csv:1:3: duplicate column name 'x'");
    CHECK(csv_error("x,,y\n") == "data.csv:1:3: empty column name");
    CHECK(csv_error("x, \t,y\n") == "data.csv:1:3: empty column name");
    CHECK(csv_error("x,y,\n") == "data.csv:1:5: empty column name");
    CHECK(csv_error("x, \"\" \n") == "data.csv:1:4: empty column name");
    const std::string rule = " is not an identifier (a letter or '_', then letters, digits or '_')";
    CHECK(csv_error("x,2y\n") == "data.csv:1:3: column name '2y'" + rule);
    CHECK(csv_error("x,a b\n") == "data.csv:1:3: column name 'a b'" + rule);
    CHECK(csv_error("x,y-1\n") == "data.csv:1:3: column name 'y-1'" + rule);
    CHECK(csv_error("\xCF\x80,x\n") == "data.csv:1:1: column name '\xCF\x80'" + rule);
    const DataSet d = parse_csv("_,a1,B_2,x_y_z\n");
    CHECK(d.names == std::vector<std::string>{"_", "a1", "B_2", "x_y_z"});
}

TEST_CASE("other delimiters", "[csv]") {
    CsvOptions semicolon;
    semicolon.delimiter = ';';
    const DataSet d = parse_csv("x;y\n1;2\n", "<data>", semicolon);
    CHECK(d.columns[1] == std::vector<double>{2});
    CHECK(csv_error("x;y\n1,5;2\n", semicolon) == "data.csv:2:1: '1,5' is not a number");
    CHECK(csv_error("x;y\n1;\"2\"3\n", semicolon) ==
          "data.csv:2:6: expected ';' or the end of the line after a quoted field");

    // With tabs as the delimiter only spaces are padding.
    CsvOptions tab;
    tab.delimiter = '\t';
    const DataSet t = parse_csv("x\t y \n 1\t2 \n", "<data>", tab);
    CHECK(t.names == std::vector<std::string>{"x", "y"});
    CHECK(t.columns[1] == std::vector<double>{2});
    CHECK(csv_error("x\ty\n1\t\t2\n", tab) == "data.csv:2: row has 3 fields, the header has 2");

    CsvOptions quote;
    quote.delimiter = '"';
    CHECK(csv_error("x\n", quote) == "data.csv: the CSV delimiter cannot be a quote or a line break");
}

TEST_CASE("the line length limit", "[csv]") {
    CsvOptions small;
    small.max_line_bytes = 10;
    CHECK(csv_error("x,y\n12345678,89\n", small) == "data.csv:2: line longer than 10 bytes");
    // The line end does not count, CRLF included.
    const DataSet d = parse_csv("x,y\r\n1234567,89\r\n1,2", "<data>", small);
    CHECK(d.columns[0] == std::vector<double>{1234567, 1});
    // It is checked before anything else on the line.
    CHECK(csv_error("x,y\n\"12345678,9\n", small) == "data.csv:2: line longer than 10 bytes");
    CHECK(csv_error("abcdefghijk\n", small) == "data.csv:1: line longer than 10 bytes");
}

TEST_CASE("read_csv reads a file", "[csv]") {
    TempFile file("small");
    file.open() << "\xEF\xBB\xBF" "a, b\r\n1,2\r\n\r\n\"3\",4";
    const DataSet d = read_csv(file.path.string());
    CHECK(d.source == file.path.string());
    CHECK(d.names == std::vector<std::string>{"a", "b"});
    CHECK(d.columns[0] == std::vector<double>{1, 3});
    CHECK(d.columns[1] == std::vector<double>{2, 4});
}

TEST_CASE("read_csv names the file in its messages", "[csv]") {
    TempFile file("bad");
    file.open() << "x,y\n1,2\n1.0,abc\n";
    CHECK(read_error(file.path.string()) == file.path.string() + ":3:5: 'abc' is not a number");

    TempFile empty("empty");
    empty.open() << "";
    CHECK(read_error(empty.path.string()) == empty.path.string() + ": empty file (no header row)");
}

TEST_CASE("read_csv: a missing file, a directory", "[csv]") {
    CHECK(read_error("nofile-symdiff-test.csv") == "cannot open 'nofile-symdiff-test.csv': No such file or directory");
    const std::string dir = std::filesystem::temp_directory_path().string();
    CHECK(read_error(dir) == "cannot read '" + dir + "': Is a directory");
}

TEST_CASE("read_csv stops at a line over the limit without holding it", "[csv]") {
    TempFile file("long");
    {
        auto out = file.open();
        out << "x,y\n1,2\n" << std::string(2 << 20, '7') << ",1\n3,4\n";
    }
    CHECK(read_error(file.path.string()) == file.path.string() + ":3: line longer than 1048576 bytes");
    // The same line is fine when the limit allows it.
    CsvOptions big;
    big.max_line_bytes = 3 << 20;
    CHECK(read_error(file.path.string(), big) ==
          file.path.string() + ":3:1: '" + std::string(40, '7') + "...' is out of the range of a double");
}

// The "1 GB line", streamed through a pipe: the writer offers a gigabyte, but the
// reader must give up a block or so past the limit, so the writer is stopped (EPIPE) having
// written a few megabytes. A reader that held the line first would take the whole gigabyte.
TEST_CASE("read_csv stops a gigabyte line from a pipe after the limit", "[csv]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    struct sigaction ignore {}, previous {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &previous);
    std::atomic<std::size_t> written{0};
    std::thread writer([&] {
        const std::string head = "x,y\n1,2\n";
        (void)!::write(fds[1], head.data(), head.size());
        const std::string chunk(1 << 16, '7');
        const std::size_t gigabyte = std::size_t{1} << 30;
        while (written < gigabyte) {
            ssize_t n = ::write(fds[1], chunk.data(), chunk.size());
            if (n <= 0) break; // the reader closed its end
            written += static_cast<std::size_t>(n);
        }
        ::close(fds[1]);
    });
    const std::string path = "/dev/fd/" + std::to_string(fds[0]);
    const std::string message = read_error(path);
    ::close(fds[0]);
    writer.join();
    ::sigaction(SIGPIPE, &previous, nullptr);
    CHECK(message == path + ":3: line longer than 1048576 bytes");
    CHECK(written < (std::size_t{16} << 20));
}

TEST_CASE("read_csv: lines across its read blocks", "[csv]") {
    // Each line is exactly at the limit, and the file spans several blocks: whichever line is
    // split between two reads (its '\r' perhaps alone in the next one) must still be accepted.
    TempFile file("blocks");
    const int rows = 400000;
    {
        auto out = file.open();
        out << "x,y\r\n";
        for (int r = 0; r < rows; ++r) out << (r % 10) << ".5," << (r % 7) << ".25\r\n";
    }
    CsvOptions exact;
    exact.max_line_bytes = 8; // "d.5,d.25"
    const DataSet d = read_csv(file.path.string(), exact);
    REQUIRE(d.rows() == static_cast<std::size_t>(rows));
    bool all_equal = true;
    for (int r = 0; r < rows; ++r)
        all_equal = all_equal && d.columns[0][r] == r % 10 + 0.5 && d.columns[1][r] == r % 7 + 0.25;
    CHECK(all_equal);

    exact.max_line_bytes = 7;
    CHECK(read_error(file.path.string(), exact) == file.path.string() + ":2: line longer than 7 bytes");
}

TEST_CASE("errors are symdiff::Error with the message in the diagnostic", "[csv]") {
    try {
        parse_csv("x,y\n1,z\n", "data.csv");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.diagnostic().message == "data.csv:2:3: 'z' is not a number");
        CHECK(std::string(e.what()) == e.diagnostic().message);
        CHECK_FALSE(e.diagnostic().has_position());
    }
}

TEST_CASE("rename_columns", "[csv]") {
    DataSet d = parse_csv("x,y,z\n1,2,3\n", "data.csv");
    rename_columns(d, std::vector<std::pair<std::string, std::string>>{{"x", "a"}, {"z", "c"}});
    CHECK(d.names == std::vector<std::string>{"a", "y", "c"});
    REQUIRE(d.column("a") != nullptr);
    CHECK(*d.column("a") == std::vector<double>{1});
    CHECK(d.column("x") == nullptr);

    SECTION("renames apply together: a swap") {
        rename_columns(d, std::vector<std::pair<std::string, std::string>>{{"a", "y"}, {"y", "a"}});
        CHECK(d.names == std::vector<std::string>{"y", "a", "c"});
        CHECK(*d.column("y") == std::vector<double>{1});
    }
    SECTION("renaming to the same name changes nothing") {
        rename_columns(d, std::vector<std::pair<std::string, std::string>>{{"y", "y"}});
        CHECK(d.names == std::vector<std::string>{"a", "y", "c"});
    }
    SECTION("errors leave the data set as it was") {
        CHECK(rename_error(d, {{"q", "r"}}) ==
              "data.csv: cannot rename 'q': there is no such column (the columns are a, y, c)");
        CHECK(rename_error(d, {{"a", "y"}}) == "data.csv: cannot rename 'a' to 'y': another column is named 'y'");
        CHECK(rename_error(d, {{"a", "q"}, {"y", "q"}}) ==
              "data.csv: cannot rename 'y' to 'q': another column is named 'q'");
        CHECK(rename_error(d, {{"a", "p"}, {"a", "q"}}) == "data.csv: column 'a' is renamed twice");
        CHECK(rename_error(d, {{"a", "1x"}}) ==
              "data.csv: cannot rename 'a' to '1x': not an identifier (a letter or '_', then letters, digits or '_')");
        CHECK(rename_error(d, {{"a", ""}}) ==
              "data.csv: cannot rename 'a' to '': not an identifier (a letter or '_', then letters, digits or '_')");
        // A later failure undoes nothing, because nothing was applied.
        CHECK(rename_error(d, {{"a", "p"}, {"nope", "q"}}) ==
              "data.csv: cannot rename 'nope': there is no such column (the columns are a, y, c)");
        CHECK(d.names == std::vector<std::string>{"a", "y", "c"});
    }
}
