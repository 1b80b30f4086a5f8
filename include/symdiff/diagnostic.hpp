/// \file Diagnostics: what went wrong, where in the input, and how to show it.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace symdiff {

/// One problem found in user input (or in something derived from it, such as a function that
/// cannot be differentiated). Positions are 1-based; column counts Unicode code points, so the
/// caret lines up under multi-byte characters such as `²` or `π`.
struct Diagnostic {
    std::string message;     ///< "unknown function 'foo'", without the "error: " prefix
    std::size_t offset = 0;  ///< byte offset into the input
    std::size_t line = 0;    ///< 1-based line; 0 when the problem has no position
    std::size_t column = 0;  ///< 1-based column in code points
    std::size_t length = 1;  ///< code points to underline
    std::string source_line; ///< the input line (or a window of a very long one), control bytes as '?'
    std::size_t caret_column = 0; ///< 1-based code-point column of the caret within source_line

    bool has_position() const { return line != 0; }
    /// "error: <message>\n  <source line>\n  <spaces>^~~~\n" (no source lines without a position).
    std::string render() const;
};

/// Makes a Diagnostic positioned at a byte offset of `input` (line, column and the source line
/// are computed; the source line is cut to a readable window around the column if very long).
Diagnostic make_diagnostic(std::string message, std::string_view input, std::size_t offset, std::size_t length = 1);

/// The exception every symdiff library function throws for bad input or an impossible request.
/// Library bugs are not reported this way (they assert).
class Error : public std::runtime_error {
public:
    explicit Error(Diagnostic d) : std::runtime_error(d.message), diag_(std::move(d)) {}
    explicit Error(std::string message) : Error(unpositioned(std::move(message))) {}
    const Diagnostic& diagnostic() const { return diag_; }

private:
    static Diagnostic unpositioned(std::string message) {
        Diagnostic d;
        d.message = std::move(message);
        return d;
    }
    Diagnostic diag_;
};

} // namespace symdiff
