// CSV reading: a header row of column names, then rows of numbers, into columns of doubles.
//
// Files are read in large blocks and split into lines with memchr; a line that straddles two
// blocks is the only thing copied, and the copy may not grow past max_line_bytes, so memory
// per line is bounded whatever the input. Every error names source:line[:column] in the
// message, because a data file has no expression to underline.
#include "symdiff/data.hpp"

#include "data/lines.hpp"
#include "ir/utf8.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>

namespace symdiff {
namespace {

constexpr std::size_t kExcerptCodePoints = 40;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Columns count code points, as the expression diagnostics do; an ill-formed byte counts as one
// (it is shown as one '?').
std::size_t code_points(std::string_view s) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.size(); ++count) {
        const std::size_t len = detail::utf8_sequence_length(s, i);
        i += len == 0 ? 1 : len;
    }
    return count;
}

// A cell as quoted in a message: short enough to read, and nothing that could disturb a
// terminal (control bytes and ill-formed UTF-8 become '?').
std::string excerpt(std::string_view s) {
    std::string out;
    std::size_t shown = 0;
    std::size_t i = 0;
    for (; i < s.size() && shown < kExcerptCodePoints; ++shown) {
        const std::size_t len = detail::utf8_sequence_length(s, i);
        const auto byte = static_cast<unsigned char>(s[i]);
        if (len == 0 || byte < 0x20 || byte == 0x7F) {
            out += '?';
            i += 1;
        } else {
            out.append(s.substr(i, len));
            i += len;
        }
    }
    if (i < s.size()) out += "...";
    return out;
}

bool is_identifier(std::string_view s) {
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (s.empty() || !letter(s.front())) return false;
    for (char c : s)
        if (!letter(c) && !digit(c)) return false;
    return true;
}

constexpr std::string_view kIdentifierRule = "a letter or '_', then letters, digits or '_'";

struct Cell {
    std::size_t offset; // byte offset in the line of the cell's first character (or its opening quote)
    std::string_view text;
};

class Parser {
public:
    Parser(std::string_view source, const CsvOptions& options) : options_(options) {
        data_.source = std::string(source);
        const char d = options.delimiter;
        if (d == '"' || d == '\n' || d == '\r')
            throw Error(fmt::format("{}: the CSV delimiter cannot be a quote or a line break", data_.source));
    }

    [[noreturn]] void too_long(std::size_t line_no) const {
        throw Error(fmt::format("{}:{}: line longer than {} bytes", data_.source, line_no, options_.max_line_bytes));
    }

    // One physical line without its '\n'; `terminated` is false for a last line with no newline.
    void line(std::string_view text, bool terminated) {
        ++line_no_;
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (text.size() > options_.max_line_bytes) too_long(line_no_);
        if (line_no_ == 1 && text.starts_with(kBom)) text.remove_prefix(kBom.size());
        line_ = text;
        if (text.find_first_not_of(" \t\r") == std::string_view::npos) return;
        split(text, terminated);
        if (have_header_) add_row();
        else take_header();
    }

    DataSet finish() {
        if (!have_header_) throw Error(fmt::format("{}: empty file (no header row)", data_.source));
        return std::move(data_);
    }

private:
    [[noreturn]] void fail_line(const std::string& message) const {
        throw Error(fmt::format("{}:{}: {}", data_.source, line_no_, message));
    }

    [[noreturn]] void fail_at(std::size_t offset, const std::string& message) const {
        const std::size_t column = code_points(line_.substr(0, offset)) + 1;
        throw Error(fmt::format("{}:{}:{}: {}", data_.source, line_no_, column, message));
    }

    // Spaces and tabs around a field are padding, unless one of them is the delimiter itself.
    bool is_padding(char c) const { return (c == ' ' || c == '\t') && c != options_.delimiter; }

    std::string_view trim(std::string_view s) const {
        while (!s.empty() && is_padding(s.front())) s.remove_prefix(1);
        while (!s.empty() && is_padding(s.back())) s.remove_suffix(1);
        return s;
    }

    void split(std::string_view text, bool terminated) {
        cells_.clear();
        unquoted_.clear();
        const std::size_t n = text.size();
        const char delimiter = options_.delimiter;
        std::size_t i = 0;
        for (;;) {
            const std::size_t field_start = i;
            while (i < n && is_padding(text[i])) ++i;
            if (i < n && text[i] == '"') {
                // Unescaped contents go to unquoted_, which never holds more than the line: with
                // that much reserved up front it never reallocates, so earlier cells' views stay valid.
                if (unquoted_.capacity() < n) unquoted_.reserve(n);
                const std::size_t open = i++;
                const std::size_t begin = unquoted_.size();
                for (;;) {
                    if (i == n) {
                        if (terminated) fail_line("newline inside a quoted field");
                        fail_at(open, "quoted field is not closed");
                    }
                    if (text[i] == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            unquoted_ += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    unquoted_ += text[i++];
                }
                while (i < n && is_padding(text[i])) ++i;
                if (i < n && text[i] != delimiter)
                    fail_at(i, fmt::format("expected '{}' or the end of the line after a quoted field", delimiter));
                cells_.push_back({open, trim(std::string_view(unquoted_).substr(begin))});
            } else {
                const std::size_t start = i;
                const void* found = n > i ? std::memchr(text.data() + i, delimiter, n - i) : nullptr;
                const std::size_t end = found ? static_cast<std::size_t>(static_cast<const char*>(found) - text.data()) : n;
                const std::string_view content = trim(text.substr(start, end - start));
                // An empty field is shown where it begins, not at the next delimiter.
                cells_.push_back({content.empty() ? field_start : start, content});
                i = end;
            }
            if (i >= n) break;
            ++i; // past the delimiter: a line ending in one has an empty last field
        }
    }

    void take_header() {
        for (const Cell& cell : cells_) {
            if (cell.text.empty()) fail_at(cell.offset, "empty column name");
            if (!is_identifier(cell.text))
                fail_at(cell.offset,
                        fmt::format("column name '{}' is not an identifier ({})", excerpt(cell.text), kIdentifierRule));
            for (const std::string& earlier : data_.names)
                if (earlier == cell.text) fail_at(cell.offset, fmt::format("duplicate column name '{}'", cell.text));
            data_.names.emplace_back(cell.text);
        }
        data_.columns.resize(data_.names.size());
        have_header_ = true;
    }

    void add_row() {
        const std::size_t width = data_.names.size();
        if (cells_.size() != width)
            fail_line(fmt::format("row has {} field{}, the header has {}", cells_.size(), cells_.size() == 1 ? "" : "s",
                                  width));
        for (std::size_t j = 0; j < width; ++j) data_.columns[j].push_back(number(cells_[j]));
    }

    double number(const Cell& cell) const {
        std::string_view s = cell.text;
        if (s.empty()) fail_at(cell.offset, "empty cell");
        const char* first = s.data();
        const char* last = s.data() + s.size();
        // from_chars takes no '+'; one is allowed, but not a second sign after it.
        if (*first == '+' && s.size() > 1 && first[1] != '+' && first[1] != '-') ++first;
        double value = 0;
        const auto [end, ec] = std::from_chars(first, last, value);
        if (ec == std::errc::result_out_of_range && end == last)
            fail_at(cell.offset, fmt::format("'{}' is out of the range of a double", excerpt(s)));
        if (ec != std::errc{} || end != last) fail_at(cell.offset, fmt::format("'{}' is not a number", excerpt(s)));
        return value;
    }

    const CsvOptions& options_;
    DataSet data_;
    bool have_header_ = false;
    std::size_t line_no_ = 0;
    std::string_view line_;   // the current line, for columns in messages
    std::vector<Cell> cells_; // the current line's fields, reused from line to line
    std::string unquoted_;    // contents of the current line's quoted fields
};

} // namespace

DataSet parse_csv(std::string_view text, std::string_view source, const CsvOptions& options) {
    Parser parser(source, options);
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        if (nl == std::string_view::npos) {
            parser.line(text, false);
            break;
        }
        parser.line(text.substr(0, nl), true);
        text.remove_prefix(nl + 1);
    }
    return parser.finish();
}

DataSet read_csv(const std::string& path, const CsvOptions& options) {
    Parser parser(path, options);
    // The Parser checks the length again: a line of exactly the limit plus its '\r' passes both.
    detail::read_lines(path, options.max_line_bytes, [&](std::string_view line, bool terminated) {
        parser.line(line, terminated);
    });
    return parser.finish();
}

void rename_columns(DataSet& data, std::span<const std::pair<std::string, std::string>> renames) {
    // All renames are checked against the names before any, so that a list either applies
    // whole or not at all, and {x=y, y=x} is a swap rather than a clash.
    std::vector<std::string> names = data.names;
    std::vector<bool> renamed(names.size(), false);
    for (const auto& [from, to] : renames) {
        std::size_t j = 0;
        while (j < data.names.size() && data.names[j] != from) ++j;
        if (j == data.names.size()) {
            std::string known;
            for (const std::string& name : data.names) known += (known.empty() ? "" : ", ") + name;
            throw Error(fmt::format("{}: cannot rename '{}': there is no such column (the columns are {})", data.source,
                                    excerpt(from), known));
        }
        if (renamed[j]) throw Error(fmt::format("{}: column '{}' is renamed twice", data.source, excerpt(from)));
        if (!is_identifier(to))
            throw Error(fmt::format("{}: cannot rename '{}' to '{}': not an identifier ({})", data.source, from,
                                    excerpt(to), kIdentifierRule));
        renamed[j] = true;
        names[j] = to;
    }
    for (std::size_t j = 0; j < names.size(); ++j) {
        for (std::size_t k = 0; k < j; ++k) {
            if (names[j] != names[k]) continue;
            // Name the rename that caused it: at least one of the two columns was renamed.
            const std::size_t moved = renamed[j] ? j : k;
            throw Error(fmt::format("{}: cannot rename '{}' to '{}': another column is named '{}'", data.source,
                                    data.names[moved], names[moved], names[moved]));
        }
    }
    data.names = std::move(names);
}

} // namespace symdiff
