// The REPL's statement scanner: names, keywords, brackets and top-level separators.
#include "repl/scan.hpp"

#include "charset.hpp"

namespace symdiff::repl {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_open(char c) { return c == '(' || c == '['; }
bool is_close(char c) { return c == ')' || c == ']'; }

} // namespace

Span Scanner::trim(Span s) const {
    while (s.begin < s.end && is_space(text_[s.begin])) ++s.begin;
    while (s.end > s.begin && is_space(text_[s.end - 1])) --s.end;
    return s;
}

Span Scanner::name_at(std::size_t at) const {
    charset::CodePoint first = charset::decode(text_, at);
    if (first.length == 0 || !charset::is_name_start(first.value)) return {at, at};
    std::size_t i = at + first.length;
    for (;;) {
        charset::CodePoint c = charset::decode(text_, i);
        if (c.length == 0 || !charset::is_name_continue(c.value)) break;
        i += c.length;
    }
    return {at, i};
}

bool Scanner::is_name(Span s) const {
    s = trim(s);
    if (s.empty()) return false;
    return name_at(s.begin).end == s.end;
}

std::optional<std::size_t> Scanner::top_level_equals(Span s) const {
    long depth = 0;
    for (std::size_t i = s.begin; i < s.end; ++i) {
        char c = text_[i];
        if (is_open(c)) ++depth;
        else if (is_close(c)) --depth;
        else if (c == '=' && depth == 0) return i;
    }
    return std::nullopt;
}

std::vector<Span> Scanner::split_commas(Span s) const {
    std::vector<Span> parts;
    long depth = 0;
    std::size_t start = s.begin;
    for (std::size_t i = s.begin; i < s.end; ++i) {
        char c = text_[i];
        if (is_open(c)) ++depth;
        else if (is_close(c)) --depth;
        else if (c == ',' && depth == 0) {
            parts.push_back({start, i});
            start = i + 1;
        }
    }
    parts.push_back({start, s.end});
    return parts;
}

std::size_t Scanner::closing(std::size_t open) const {
    long depth = 0;
    for (std::size_t i = open; i < text_.size(); ++i) {
        if (is_open(text_[i])) ++depth;
        else if (is_close(text_[i]) && --depth == 0) return i;
    }
    return std::string_view::npos;
}

std::optional<Span> Scanner::find_keyword(Span s, std::string_view word) const {
    long depth = 0;
    for (std::size_t i = s.begin; i < s.end;) {
        char c = text_[i];
        if (is_open(c)) ++depth;
        if (is_close(c)) --depth;
        Span n = name_at(i);
        if (n.empty()) {
            // Skip a whole code point, and the letters glued to a number (`2at` is 2·at, not a
            // keyword `at`: only a name that starts after a non-name character counts).
            std::size_t len = charset::utf8_length(static_cast<unsigned char>(c));
            if (c >= '0' && c <= '9') {
                while (i < s.end && (name_at(i).size() > 0 || (text_[i] >= '0' && text_[i] <= '9') || text_[i] == '.'))
                    i += name_at(i).empty() ? 1 : name_at(i).size();
                continue;
            }
            i += len;
            continue;
        }
        if (depth == 0 && view(n) == word) return n;
        i = n.end;
    }
    return std::nullopt;
}

std::vector<std::size_t> Scanner::find_name(Span s, std::string_view word) const {
    std::vector<std::size_t> hits;
    for (std::size_t i = s.begin; i < s.end;) {
        Span n = name_at(i);
        if (n.empty()) {
            i += charset::utf8_length(static_cast<unsigned char>(text_[i]));
            continue;
        }
        if (view(n) == word) hits.push_back(i);
        i = n.end;
    }
    return hits;
}

long bracket_balance(std::string_view text) {
    long depth = 0;
    bool comment = false;
    for (char c : text) {
        if (c == '\n') comment = false;
        else if (c == '#') comment = true;
        if (comment) continue;
        if (is_open(c)) ++depth;
        else if (is_close(c)) --depth;
    }
    return depth;
}

std::string strip_comments(std::string_view text) {
    // Comment bytes become spaces rather than disappear, so offsets into the input stay valid.
    std::string out(text);
    bool comment = false;
    for (char& c : out) {
        if (c == '\n') comment = false;
        else if (c == '#') comment = true;
        if (comment) c = ' ';
    }
    return out;
}

} // namespace symdiff::repl
