/// \file Did-you-mean: the known name nearest to a misspelt one. The parser's diagnostics
/// (unknown functions), the CLI (commands, options, columns, choices) and the REPL (commands)
/// all suggest through these functions, so a misspelling is judged the same way everywhere.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace symdiff {

/// The number of edits that turn `a` into `b`: inserting, deleting or replacing a character,
/// or swapping two adjacent ones (optimal string alignment distance). Characters are code
/// points, so `σ` is one; case counts (`Y` is one edit from `y`).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The name of `known` that `word` most likely misspells, or nothing: the nearest by
/// edit_distance within 1 edit for words of up to 3 code points, 2 up to 6 and 3 beyond
/// (never the whole word), or else the one name that starts with `word` (`--h` for `--help`,
/// `sigm` for `sigmoid`). Among names equally near, the one differing only in case, then the
/// first in `known`. `word` itself, if known, is never suggested.
std::optional<std::string> nearest_name(std::string_view word, std::span<const std::string_view> known);
std::optional<std::string> nearest_name(std::string_view word, std::span<const std::string> known);

/// The name of `known` that `word` is one slip away from, for names where a slip is likelier
/// than a new name (a column read as a parameter): the same but for case (`Y` for `y`), or one
/// edit from a name when both have at least 3 code points (`scor` for `score`). One-letter
/// and two-letter names are one edit from one another (`b` and `y`, `w1` and `x1`), so only
/// case counts between them. `word` itself, if known, is never a slip.
std::optional<std::string> slip_of(std::string_view word, std::span<const std::string> known);

/// " (did you mean 'sigmoid'?)" for the nearest_name, with `kind` before the quoted name when
/// given (" (did you mean column 'y'?)"), or "" when there is none.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> known, std::string_view kind = {});
std::string did_you_mean(std::string_view word, std::span<const std::string> known, std::string_view kind = {});

} // namespace symdiff
