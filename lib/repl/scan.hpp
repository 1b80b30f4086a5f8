// The REPL's statement level: brackets, top-level commas and '=', names and keywords, found in
// the input without parsing expressions (the expression parser does that, span by span).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace symdiff::repl {

/// A byte range [begin, end) of the whole input, so that every diagnostic points into the
/// line the user typed.
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool empty() const { return begin >= end; }
    std::size_t size() const { return end - begin; }
};

class Scanner {
public:
    explicit Scanner(std::string_view text) : text_(text) {}

    std::string_view text() const { return text_; }
    std::string_view view(Span s) const { return text_.substr(s.begin, s.end - s.begin); }
    /// s without surrounding whitespace (spaces, tabs, newlines).
    Span trim(Span s) const;

    /// The name starting exactly at `at` (letters, digits and '_' after a letter, as the
    /// expression language has them), or an empty span.
    Span name_at(std::size_t at) const;
    /// True if the whole of s is one name.
    bool is_name(Span s) const;

    /// Offset of the first '=' outside brackets in s, if any.
    std::optional<std::size_t> top_level_equals(Span s) const;
    /// The pieces of s between commas outside brackets (one piece when there is no comma).
    std::vector<Span> split_commas(Span s) const;
    /// Where the bracket opened at `open` is closed, or npos when it is not.
    std::size_t closing(std::size_t open) const;
    /// The first occurrence of the keyword `word` as a whole name outside brackets in s.
    std::optional<Span> find_keyword(Span s, std::string_view word) const;
    /// Every offset in s where the name `word` occurs as a whole name (at any depth).
    std::vector<std::size_t> find_name(Span s, std::string_view word) const;

private:
    std::string_view text_;
};

/// Opening minus closing brackets ( [ and ) ], ignoring comments.
long bracket_balance(std::string_view text);

/// text with a '#' comment removed (up to the end of each line).
std::string strip_comments(std::string_view text);

} // namespace symdiff::repl
