/// \file Turns X3 expectation failures into the one Diagnostic a failed parse reports.
#pragma once

#include <string>
#include <string_view>

#include <boost/spirit/home/x3.hpp>

#include "charset.hpp"

namespace symdiff::parser {

namespace x3 = boost::spirit::x3;

/// Expectation names that start with this character are whole messages, not "what was
/// expected" (token parsers use them for mistakes inside a token, such as a lone `⁻`).
inline constexpr char kWholeMessage = '!';

/// Where and why the parse failed. Only the first failure is kept: it is the innermost one,
/// because the handler is attached to the start rule alone and X3 unwinds to it directly.
class ErrorHandler {
public:
    explicit ErrorHandler(std::string_view input) : input_(input) {}

    bool failed() const { return failed_; }
    std::size_t offset() const { return offset_; }
    std::size_t length() const { return length_; }
    const std::string& message() const { return message_; }

    /// Records "expected <what>, found <the next character>" at `where`, or a whole message.
    void expected(const char* where, const std::string& what) {
        if (failed_) return;
        std::size_t at = static_cast<std::size_t>(where - input_.data());
        if (!what.empty() && what[0] == kWholeMessage) {
            fail(at, what.substr(1));
            return;
        }
        at = skip_blanks(at);
        fail(at, "expected " + what + ", found " + describe(at));
    }

    /// Records a message at a byte offset (length in code points).
    void fail(std::size_t at, std::string message, std::size_t length = 1) {
        if (failed_) return;
        failed_ = true;
        offset_ = at;
        length_ = length;
        message_ = std::move(message);
    }

    /// The first non-blank offset at or after `at`.
    std::size_t skip_blanks(std::size_t at) const {
        while (at < input_.size() && is_blank(input_[at])) ++at;
        return at;
    }

    /// "end of input" or the character at `at` in quotes.
    std::string describe(std::size_t at) const {
        if (at >= input_.size()) return "end of input";
        charset::CodePoint cp = charset::decode(input_, at);
        return "'" + std::string(input_.substr(at, cp.length)) + "'";
    }

    static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

private:
    std::string_view input_;
    bool failed_ = false;
    std::size_t offset_ = 0;
    std::size_t length_ = 1;
    std::string message_;
};

/// Tag under which the parse context carries the ErrorHandler.
struct error_handler_tag;

/// Base of the start rule's ID: records the failure and makes the parse fail, so that
/// x3::expectation_failure never leaves parse().
struct error_handler_base {
    template <typename Iterator, typename Exception, typename Context>
    x3::error_handler_result on_error(Iterator&, const Iterator&, const Exception& x, const Context& context) {
        // The grammar runs on `const char*` (config.hpp), so where() is the position itself;
        // it may be the end of the input, which must not be dereferenced.
        x3::get<error_handler_tag>(context).get().expected(x.where(), x.which());
        return x3::error_handler_result::fail;
    }
};

} // namespace symdiff::parser
