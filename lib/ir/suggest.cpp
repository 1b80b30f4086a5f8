// Did-you-mean suggestions (include/symdiff/suggest.hpp).
#include "symdiff/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace symdiff {
namespace {

// The code points of s as byte slices: an edit replaces `σ` whole, not one of its bytes.
std::vector<std::string_view> code_points(std::string_view s) {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = 1;
        while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

bool same_but_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::size_t allowed_edits(std::size_t points) { return points <= 3 ? 1 : points <= 6 ? 2 : 3; }

template <class Name>
std::optional<std::string> nearest(std::string_view word, std::span<const Name> known) {
    const std::size_t points = code_points(word).size();
    if (points == 0) return std::nullopt;
    // A word of one code point is one edit from every other name of one or two: no guess
    // there, but for a difference of case (`Y` for `y`).
    const std::size_t limit = std::min(allowed_edits(points), points - 1);
    std::optional<std::string_view> best;
    std::size_t best_distance = static_cast<std::size_t>(-1);
    bool best_case_only = false;
    for (const Name& n : known) {
        const std::string_view name(n);
        if (name == word) return std::nullopt;
        const std::size_t d = edit_distance(word, name);
        const bool case_only = same_but_case(word, name);
        if (d > limit && !case_only) continue;
        if (d < best_distance || (d == best_distance && case_only && !best_case_only)) {
            best = name;
            best_distance = d;
            best_case_only = case_only;
        }
    }
    if (best) return std::string(*best);
    // Nothing near: a unique longer name that starts with the word (a cut-off option name).
    // Not for one code point, for the reason above: `f(1, 2)` is no cut-off `fabs`.
    if (points < 2) return std::nullopt;
    std::optional<std::string_view> prefixed;
    for (const Name& n : known) {
        const std::string_view name(n);
        if (name.size() > word.size() && name.substr(0, word.size()) == word) {
            if (prefixed && *prefixed != name) return std::nullopt;
            prefixed = name;
        }
    }
    if (prefixed) return std::string(*prefixed);
    return std::nullopt;
}

template <class Name>
std::string suggestion(std::string_view word, std::span<const Name> known, std::string_view kind) {
    auto n = nearest(word, known);
    if (!n) return {};
    std::string out = " (did you mean ";
    if (!kind.empty()) out.append(kind).append(" ");
    return out + "'" + *n + "'?)";
}

} // namespace

std::size_t edit_distance(std::string_view a_text, std::string_view b_text) {
    const auto a = code_points(a_text), b = code_points(b_text);
    const std::size_t m = a.size(), n = b.size();
    // Three rows of the dynamic programme: i-2, i-1 and i.
    std::vector<std::size_t> before(n + 1), prev(n + 1), row(n + 1);
    for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
    for (std::size_t i = 1; i <= m; ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= n; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                row[j] = std::min(row[j], before[j - 2] + 1);
        }
        std::swap(before, prev);
        std::swap(prev, row);
    }
    return prev[n];
}

std::optional<std::string> nearest_name(std::string_view word, std::span<const std::string_view> known) {
    return nearest(word, known);
}
std::optional<std::string> nearest_name(std::string_view word, std::span<const std::string> known) {
    return nearest(word, known);
}
std::optional<std::string> slip_of(std::string_view word, std::span<const std::string> known) {
    if (std::find(known.begin(), known.end(), word) != known.end()) return std::nullopt;
    for (const std::string& name : known)
        if (same_but_case(word, name)) return name;
    const std::size_t points = code_points(word).size();
    if (points < 3) return std::nullopt;
    for (const std::string& name : known)
        if (code_points(name).size() >= 3 && edit_distance(word, name) == 1) return name;
    return std::nullopt;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> known, std::string_view kind) {
    return suggestion(word, known, kind);
}
std::string did_you_mean(std::string_view word, std::span<const std::string> known, std::string_view kind) {
    return suggestion(word, known, kind);
}

} // namespace symdiff
