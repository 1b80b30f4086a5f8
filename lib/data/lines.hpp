// Internal to lib: reading a text file line by line in large blocks with a bound on the length
// of a line, shared by the CSV reader and the REPL's :load so that both refuse the same files
// (a directory, /dev/zero, a line of a gigabyte) with the same messages.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {

inline constexpr std::size_t kLineBlockBytes = std::size_t{1} << 20;

/// The error for line `line_no` of `source` being longer than `limit` bytes.
[[noreturn]] inline void throw_line_too_long(std::string_view source, std::size_t line_no, std::size_t limit) {
    throw Error(fmt::format("{}:{}: line longer than {} bytes", source, line_no, limit));
}

/// Calls line(text, terminated) for each line of the file `path`, without its '\n'
/// (`terminated` is false for a last line with no newline). Memory is one block and at most
/// one line: a line longer than `max_line_bytes` (a '\r' before its '\n' not counted) throws
/// while it is read, so /dev/zero fails after `max_line_bytes` bytes. Throws symdiff::Error
/// "cannot open 'P': <reason>" and "cannot read 'P': <reason>" (a directory: "Is a directory").
template <class Line>
void read_lines(const std::string& path, std::size_t max_line_bytes, Line&& line) {
    struct Closer {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
    if (!file) throw Error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
    const std::size_t carry_cap =
        max_line_bytes == std::numeric_limits<std::size_t>::max() ? max_line_bytes : max_line_bytes + 1;
    std::string carry;
    std::vector<char> block(kLineBlockBytes);
    std::size_t line_no = 0;
    for (;;) {
        const std::size_t got = std::fread(block.data(), 1, block.size(), file.get());
        if (got == 0) break;
        const char* p = block.data();
        const char* const end = p + got;
        while (p < end) {
            const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
            const std::size_t len = static_cast<std::size_t>((nl ? nl : end) - p);
            if (!nl || !carry.empty()) {
                if (len > carry_cap - carry.size()) throw_line_too_long(path, line_no + 1, max_line_bytes);
                carry.append(p, len);
            }
            if (!nl) break;
            ++line_no;
            if (carry.empty()) {
                line(std::string_view(p, len), true);
            } else {
                line(std::string_view(carry), true);
                carry.clear();
            }
            p = nl + 1;
        }
    }
    if (std::ferror(file.get())) throw Error(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    if (!carry.empty()) line(std::string_view(carry), false);
}

} // namespace symdiff::detail
