// Positioned diagnostics rendered as the input line with a caret under the column.
#include "symdiff/diagnostic.hpp"
#include "ir/utf8.hpp"

#include <algorithm>

namespace symdiff {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Walks s one displayed column at a time: a valid sequence is one column, and so is every
// byte of an invalid one (it is shown as '?'). Calls f(offset, length, valid).
template <typename F>
void for_each_column(std::string_view s, F f) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = detail::utf8_sequence_length(s, i);
        f(i, n == 0 ? 1 : n, n != 0);
        i += n == 0 ? 1 : n;
    }
}

// Columns of s as printable() shows it, so that the caret lines up.
std::size_t code_points(std::string_view s) {
    std::size_t n = 0;
    for_each_column(s, [&](std::size_t, std::size_t, bool) { ++n; });
    return n;
}

// True for code points a terminal would act on rather than show: C1 controls and the
// bidirectional overrides and isolates, which could make the line read differently.
bool is_disruptive(std::string_view seq) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(seq[k]); };
    if (seq.size() == 2 && b(0) == 0xC2 && b(1) < 0xA0) return true;
    if (seq.size() == 3 && b(0) == 0xE2 && b(1) == 0x80 && b(2) >= 0xAA && b(2) <= 0xAE) return true;
    if (seq.size() == 3 && b(0) == 0xE2 && b(1) == 0x81 && b(2) >= 0xA6 && b(2) <= 0xA9) return true;
    return false;
}

// The line made printable, one character per column: tabs become a space; control bytes,
// invalid UTF-8 and terminal-disrupting code points become '?'; so the caret still lines up
// and the terminal is not disturbed.
std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for_each_column(s, [&](std::size_t i, std::size_t n, bool valid) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::string_view seq = s.substr(i, n);
        if (!valid || is_disruptive(seq)) out += '?';
        else if (c == '\t') out += ' ';
        else if (c < 0x20 || c == 0x7f) out += '?';
        else out += seq;
    });
    return out;
}

} // namespace

Diagnostic make_diagnostic(std::string message, std::string_view input, std::size_t offset, std::size_t length) {
    Diagnostic d;
    d.message = std::move(message);
    offset = std::min(offset, input.size());
    d.offset = offset;
    std::size_t line_start = input.rfind('\n', offset == 0 ? std::string_view::npos : offset - 1);
    line_start = (line_start == std::string_view::npos || offset == 0) ? 0 : line_start + 1;
    if (offset > 0 && input[offset - 1] == '\n') line_start = offset;
    std::size_t line_end = input.find('\n', offset);
    if (line_end == std::string_view::npos) line_end = input.size();
    d.line = 1 + static_cast<std::size_t>(std::count(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(line_start), '\n'));
    d.column = 1 + code_points(input.substr(line_start, offset - line_start));
    d.length = std::max<std::size_t>(1, length);
    // Show at most a window of the line, so a 1 MB one-line input gives a readable error.
    constexpr std::size_t kWindow = 60;
    std::size_t from = line_start, to = line_end;
    std::string prefix, suffix;
    if (offset - line_start > kWindow) {
        from = offset - kWindow;
        while (from < offset && is_continuation(static_cast<unsigned char>(input[from]))) ++from;
        prefix = "...";
    }
    if (line_end - offset > kWindow) {
        to = offset + kWindow;
        while (to < line_end && is_continuation(static_cast<unsigned char>(input[to]))) ++to;
        suffix = "...";
    }
    d.source_line = prefix + printable(input.substr(from, to - from)) + suffix;
    d.caret_column = prefix.size() + code_points(input.substr(from, offset - from)) + 1;
    return d;
}

std::string Diagnostic::render() const {
    std::string out = "error: " + message + "\n";
    if (!has_position()) return out;
    out += "  " + source_line + "\n";
    out += "  " + std::string(caret_column - 1, ' ') + "^";
    if (length > 1) out += std::string(length - 1, '~');
    out += "\n";
    return out;
}

} // namespace symdiff
