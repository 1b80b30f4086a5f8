/// \file The characters of the expression language: UTF-8 decoding, identifier letters and
/// superscripts. Shared by the token parsers (expr_def.hpp) and lowering (lib/parse/lower.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace symdiff::charset {

/// Byte length of the UTF-8 sequence that starts with `lead` (1 for a stray byte, so that
/// scanning always advances; input is validated before any token is read).
inline std::size_t utf8_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 1;
}

/// The code point at s[i] (validated UTF-8) and its byte length; {0, 0} at the end.
struct CodePoint {
    char32_t value = 0;
    std::size_t length = 0;
};
inline CodePoint decode(std::string_view s, std::size_t i) {
    if (i >= s.size()) return {};
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    std::size_t n = utf8_length(b(0));
    if (i + n > s.size()) return {b(0), 1};
    switch (n) {
    case 1: return {b(0), 1};
    case 2: return {static_cast<char32_t>(((b(0) & 0x1F) << 6) | (b(1) & 0x3F)), 2};
    case 3: return {static_cast<char32_t>(((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F)), 3};
    default:
        return {static_cast<char32_t>(((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F)), 4};
    }
}

constexpr char32_t kPi = U'\u03C0';

/// Letters that may start a name: ASCII letters, '_' and Greek letters. π is excluded because
/// it is a constant of its own, so that `2πr` reads as 2·π·r.
inline bool is_name_start(char32_t c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
    if (c == kPi) return false;
    return (c >= 0x0391 && c <= 0x03A9) || (c >= 0x03B1 && c <= 0x03C9) || c == 0x03D1 || c == 0x03D5 ||
           c == 0x03F5;
}
inline bool is_name_continue(char32_t c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

/// The meaning of a superscript character: '0'..'9', '-' for ⁻, '+' for ⁺, or the letter of a
/// superscript letter (ˣ ʸ ᶻ ⁿ); 0 if c is not a superscript.
inline char superscript_value(char32_t c) {
    switch (c) {
    case U'\u2070': return '0';
    case U'\u00B9': return '1';
    case U'\u00B2': return '2';
    case U'\u00B3': return '3';
    case U'\u2074': return '4';
    case U'\u2075': return '5';
    case U'\u2076': return '6';
    case U'\u2077': return '7';
    case U'\u2078': return '8';
    case U'\u2079': return '9';
    case U'\u207B': return '-';
    case U'\u207A': return '+';
    case U'\u02E3': return 'x';
    case U'\u02B8': return 'y';
    case U'\u1DBB': return 'z';
    case U'\u207F': return 'n';
    default: return 0;
    }
}

} // namespace symdiff::charset
