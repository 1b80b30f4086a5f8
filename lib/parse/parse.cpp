// symdiff::parse: input checks, the X3 grammar run, then lowering. The only translation unit
// that instantiates the grammar (grammars/expr_def.hpp).
#include "symdiff/parse.hpp"

#include <pthread.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <vector>

#include "expr_def.hpp"
#include "ir/utf8.hpp"
#include "parse/lower.hpp"
#include "parse/syntax.hpp"
#include "symdiff/diagnostic.hpp"

namespace symdiff::parser {
BOOST_SPIRIT_INSTANTIATE(input_type, iterator_type, context_type)
} // namespace symdiff::parser

namespace symdiff {

namespace {

[[noreturn]] void fail_at(std::string_view input, std::size_t offset, std::string message, std::size_t length = 1) {
    throw Error(make_diagnostic(std::move(message), input, offset, length));
}

std::string hex_byte(unsigned char b) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    return std::string("0x") + kDigits[b >> 4] + kDigits[b & 15];
}

// Everything that must hold before the recursive grammar may run: size, encoding, no control
// characters, balanced brackets nested at most options.max_depth deep. One linear pass;
// returns the deepest nesting found.
std::size_t check_input(std::string_view input, const ParseOptions& options) {
    if (input.size() > options.max_bytes)
        throw Error("input too long: " + std::to_string(input.size()) + " bytes (the limit is " +
                    std::to_string(options.max_bytes) + ")");
    struct Open {
        char bracket;
        std::size_t offset;
    };
    std::vector<Open> open;
    std::size_t deepest = 0;
    bool blank = true;
    for (std::size_t i = 0; i < input.size();) {
        unsigned char c = static_cast<unsigned char>(input[i]);
        // Printable ASCII other than brackets, nearly every byte, needs none of the checks below.
        if (c > 0x20 && c < 0x7F && c != '(' && c != ')' && c != '[' && c != ']' && c != '{' && c != '}') {
            blank = false;
            ++i;
            continue;
        }
        std::size_t n = detail::utf8_sequence_length(input, i);
        if (n == 0) fail_at(input, i, "invalid UTF-8 (byte " + hex_byte(c) + ")");
        if (c == 0) fail_at(input, i, "NUL byte in input");
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
            fail_at(input, i, "control character " + hex_byte(c) + " in input");
        if (!parser::ErrorHandler::is_blank(static_cast<char>(c))) blank = false;
        if (c == '(' || c == '[' || c == '{') {
            if (open.size() >= options.max_depth)
                fail_at(input, i, "brackets nested too deeply (the limit is " + std::to_string(options.max_depth) +
                                      " levels)");
            open.push_back({static_cast<char>(c), i});
            deepest = std::max(deepest, open.size());
        } else if (c == ')' || c == ']' || c == '}') {
            char expected_open = c == ')' ? '(' : c == ']' ? '[' : '{';
            if (open.empty()) fail_at(input, i, std::string("unmatched '") + static_cast<char>(c) + "'");
            if (open.back().bracket != expected_open) {
                Diagnostic where = make_diagnostic("", input, open.back().offset);
                fail_at(input, i,
                        std::string("'") + static_cast<char>(c) + "' does not close the '" + open.back().bracket +
                            "' at line " + std::to_string(where.line) + ", column " + std::to_string(where.column));
            }
            open.pop_back();
        }
        i += n;
    }
    if (blank) fail_at(input, 0, "empty expression");
    if (!open.empty())
        fail_at(input, open.back().offset, std::string("unclosed '") + open.back().bracket + "'");
    return deepest;
}

// The message for input left over after a complete expression.
std::string leftover_message(const parser::ErrorHandler& handler, std::size_t at, std::string_view input) {
    char c = input[at];
    if (c == ',') return "unexpected ',' outside a function call or list";
    if (c == '=') return "unexpected '=': a definition such as f(x) = ... is not an expression";
    if (input.substr(at).starts_with(".."))
        return "unexpected '..': a range lo..hi belongs in sum(i = lo..hi, body) or mean(i = lo..hi, body)";
    return "expected an operator or the end of the input, found " + handler.describe(at);
}

// Without a Context, the grammar alone: parse_syntax_only.
Parsed parse_checked(Context* ctx, std::string_view text, const ParseOptions& options) {
    parser::ErrorHandler handler(text);
    ast::Expression tree;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    const auto grammar = boost::spirit::x3::with<parser::error_handler_tag>(std::ref(handler))[expression_grammar()];
    bool ok = boost::spirit::x3::phrase_parse(first, last, grammar, parser::blank, tree);
    if (!ok || handler.failed()) {
        if (!handler.failed()) handler.expected(first, "an expression");
        fail_at(text, handler.offset(), handler.message(), handler.length());
    }
    std::size_t rest = handler.skip_blanks(static_cast<std::size_t>(first - text.data()));
    if (rest != text.size()) fail_at(text, rest, leftover_message(handler, rest, text));
    if (!ctx) return Parsed{};
    return detail::lower(*ctx, text, tree, options);
}

// Stack the grammar and lowering may need per bracket level, generously: sanitizer builds
// use over 15 KB a level, optimised builds far less.
constexpr std::size_t kStackPerLevel = 64 * 1024;
// Nesting that any thread's stack holds without a second thought.
constexpr std::size_t kShallow = 8;

// Runs parse_checked on a thread whose stack is sized for `depth` levels, so that deep (but
// allowed) nesting cannot overflow the caller's stack, whatever its size.
Parsed parse_on_big_stack(Context* ctx, std::string_view text, const ParseOptions& options, std::size_t depth) {
    struct Job {
        Context* ctx;
        std::string_view text;
        const ParseOptions& options;
        std::optional<Parsed> result;
        std::exception_ptr error;
    } job{ctx, text, options, std::nullopt, nullptr};
    auto run = [](void* p) -> void* {
        auto* j = static_cast<Job*>(p);
        try {
            j->result = parse_checked(j->ctx, j->text, j->options);
        } catch (...) {
            j->error = std::current_exception();
        }
        return nullptr;
    };
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    std::size_t stack = (std::size_t{1} << 20) + depth * kStackPerLevel;
    pthread_attr_setstacksize(&attr, stack);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, run, &job);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        throw Error("brackets nested too deeply: no memory for a " + std::to_string(stack >> 20) +
                    " MB parser stack");
    pthread_join(thread, nullptr);
    if (job.error) std::rethrow_exception(job.error);
    return std::move(*job.result);
}

Parsed parse_stages(Context* ctx, std::string_view text, const ParseOptions& options) {
    std::size_t depth = check_input(text, options);
    if (depth <= kShallow) return parse_checked(ctx, text, options);
    return parse_on_big_stack(ctx, text, options, depth);
}

} // namespace

Parsed parse(Context& ctx, std::string_view text, const ParseOptions& options) {
    return parse_stages(&ctx, text, options);
}

void detail::parse_syntax_only(std::string_view text, const ParseOptions& options) {
    parse_stages(nullptr, text, options);
}

Expr parse_expr(Context& ctx, std::string_view text, const ParseOptions& options) {
    return parse(ctx, text, options).expr;
}

} // namespace symdiff
