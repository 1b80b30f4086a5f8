/// \file The expression grammar (grammars/README.md is its reference). Included by
/// lib/parse/parse.cpp only: X3 definitions are slow to compile and belong to one TU.
#pragma once

#include <boost/spirit/home/x3.hpp>

#include "ast.hpp"
#include "ast_adapted.hpp"
#include "charset.hpp"
#include "config.hpp"
#include "error_handler.hpp"
#include "expr.hpp"

namespace symdiff::parser {

namespace x3 = boost::spirit::x3;

// ---------------------------------------------------------------------------------------
// Tokens. Hand-written parsers: they read UTF-8 by code point, keep the slice of the input
// as the token's position, and report mistakes inside a token with a whole message.
// ---------------------------------------------------------------------------------------

namespace detail {

inline std::string_view rest(const char* first, const char* last) {
    return {first, static_cast<std::size_t>(last - first)};
}
inline bool is_digit(const char* p, const char* last) { return p != last && *p >= '0' && *p <= '9'; }

template <typename Iterator>
[[noreturn]] void fail_with(Iterator where, const std::string& message) {
    boost::throw_exception(x3::expectation_failure<Iterator>(where, kWholeMessage + message));
}

} // namespace detail

/// number = digits ['.' digits*] [exponent] | '.' digits [exponent];
/// exponent = ('e'|'E') ['+'|'-'] digits, taken only when complete, so `2e` is 2·e.
struct NumberToken : x3::parser<NumberToken> {
    using attribute_type = ast::Number;
    static const bool has_attribute = true;

    template <typename Iterator, typename Context, typename RContext, typename Attribute>
    bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&, Attribute& attr) const {
        x3::skip_over(first, last, context);
        const char* p = first;
        bool mantissa = false;
        while (detail::is_digit(p, last)) ++p, mantissa = true;
        // `..` ends a number: it is the range of `sum(i = 1..n, …)`, not a decimal point.
        auto range_at = [&](const char* q) { return q != last && *q == '.' && q + 1 != last && q[1] == '.'; };
        if (p != last && *p == '.' && !range_at(p) && (mantissa || detail::is_digit(p + 1, last))) {
            ++p;
            while (detail::is_digit(p, last)) ++p, mantissa = true;
            if (p != last && *p == '.' && !range_at(p)) detail::fail_with(p, "a number has at most one decimal point");
        }
        if (!mantissa) return false;
        if (p != last && (*p == 'e' || *p == 'E')) {
            const char* q = p + 1;
            if (q != last && (*q == '+' || *q == '-')) ++q;
            if (detail::is_digit(q, last)) {
                while (detail::is_digit(q, last)) ++q;
                p = q;
            }
        }
        ast::Number token{detail::rest(first, p)};
        x3::traits::move_to(token, attr);
        first = p;
        return true;
    }
};

namespace detail {

// Byte length of the name at the start of s, 0 if none. ASCII bytes, nearly all of a name,
// skip the decoder.
inline std::size_t name_length(std::string_view s) {
    if (s.empty()) return 0;
    if (static_cast<unsigned char>(s[0]) < 0x80 && !charset::is_name_start(static_cast<unsigned char>(s[0])))
        return 0;
    charset::CodePoint cp = charset::decode(s, 0);
    if (cp.value == charset::kPi) return cp.length;
    if (cp.length == 0 || !charset::is_name_start(cp.value)) return 0;
    std::size_t n = cp.length;
    while (n < s.size()) {
        unsigned char b = static_cast<unsigned char>(s[n]);
        if (b < 0x80) {
            if (!charset::is_name_continue(b)) break;
            ++n;
            continue;
        }
        charset::CodePoint c = charset::decode(s, n);
        if (!charset::is_name_continue(c.value)) break;
        n += c.length;
    }
    return n;
}

} // namespace detail

/// name = letter {letter | digit} | 'π'  (letters: ASCII, '_' and Greek but π; see charset.hpp)
struct NameToken : x3::parser<NameToken> {
    using attribute_type = ast::Name;
    static const bool has_attribute = true;

    template <typename Iterator, typename Context, typename RContext, typename Attribute>
    bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&, Attribute& attr) const {
        x3::skip_over(first, last, context);
        std::string_view s = detail::rest(first, last);
        std::size_t n = detail::name_length(s);
        if (n == 0) return false;
        ast::Name token{s.substr(0, n)};
        x3::traits::move_to(token, attr);
        first += n;
        return true;
    }
};

/// A name that is neither called nor indexed: followed by an ASCII character other than, past
/// blanks, '(' or '['. `call` and `indexed` would both fail on it without a message (a
/// superscript, the only thing they could report, is never ASCII), so the grammar tries this
/// before them and spares nearly every name those two attempts. Other names are left to them.
struct PlainNameToken : x3::parser<PlainNameToken> {
    using attribute_type = ast::Name;
    static const bool has_attribute = true;

    template <typename Iterator, typename Context, typename RContext, typename Attribute>
    bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&, Attribute& attr) const {
        Iterator start = first;
        x3::skip_over(start, last, context);
        std::string_view s = detail::rest(start, last);
        std::size_t n = detail::name_length(s);
        if (n == 0) return false;
        Iterator p = start + n;
        if (p != last && static_cast<unsigned char>(*p) >= 0x80) return false;
        while (p != last && ErrorHandler::is_blank(*p)) ++p;
        if (p != last && (*p == '(' || *p == '[')) return false;
        ast::Name token{s.substr(0, n)};
        x3::traits::move_to(token, attr);
        first = start + n;
        return true;
    }
};

/// Whether an implicit factor may start here (after blanks): a letter, '_', a digit, '.',
/// '(', '[', '{' or a non-ASCII character. Every other character (an operator, a closing bracket,
/// ',', the end of the input) makes `implicit_factor` fail without a message, so this test,
/// reading one byte, spares the end of nearly every term a descent through every alternative
/// of `primary`. Digits and '.' pass: a malformed number there is reported by the number token.
struct ImplicitStart : x3::parser<ImplicitStart> {
    using attribute_type = x3::unused_type;
    static const bool has_attribute = false;

    template <typename Iterator, typename Context, typename RContext, typename Attribute>
    bool parse(Iterator& first, const Iterator& last, const Context&, RContext&, Attribute&) const {
        Iterator p = first;
        while (p != last && ErrorHandler::is_blank(*p)) ++p;
        if (p == last) return false;
        unsigned char c = static_cast<unsigned char>(*p);
        return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '.' || c == '(' || c == '[' || c == '{';
    }
};

/// superscript = ['⁻'|'⁺'] (superscript-digit {superscript-digit} | 'ˣ' | 'ʸ' | 'ᶻ' | 'ⁿ'),
/// written directly after its operand (no blank before it).
struct SuperscriptToken : x3::parser<SuperscriptToken> {
    using attribute_type = ast::Superscript;
    static const bool has_attribute = true;

    template <typename Iterator, typename Context, typename RContext, typename Attribute>
    bool parse(Iterator& first, const Iterator& last, const Context&, RContext&, Attribute& attr) const {
        std::string_view s = detail::rest(first, last);
        ast::Superscript token;
        std::size_t n = 0;
        // The reading itself is left to Superscript::value(): only the extent is found here.
        charset::CodePoint cp = charset::decode(s, 0);
        char v = charset::superscript_value(cp.value);
        if (v == 0) return false;
        if (v == '-' || v == '+') {
            n += cp.length;
            cp = charset::decode(s, n);
            v = charset::superscript_value(cp.value);
            if (v == 0 || v == '-' || v == '+')
                detail::fail_with(first + n, "expected superscript digits after '" + std::string(s.substr(0, n)) + "'");
        }
        if (v >= '0' && v <= '9') {
            while (v >= '0' && v <= '9') {
                n += cp.length;
                cp = charset::decode(s, n);
                v = charset::superscript_value(cp.value);
            }
        } else {
            n += cp.length;
        }
        token.text = s.substr(0, n);
        x3::traits::move_to(token, attr);
        first += n;
        return true;
    }
};

/// radicals = '√' {'√'}: a run of radical signs, counted, so that `√√…x` does not recurse.
struct RadicalsToken : x3::parser<RadicalsToken> {
    using attribute_type = ast::Radicals;
    static const bool has_attribute = true;

    template <typename Iterator, typename Context, typename RContext, typename Attribute>
    bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&, Attribute& attr) const {
        static constexpr std::string_view kRadical = "\xE2\x88\x9A";
        x3::skip_over(first, last, context);
        const char* start = first;
        const char* p = first;
        const char* end_of_run = first;
        unsigned count = 0;
        while (detail::rest(p, last).starts_with(kRadical)) {
            p += kRadical.size();
            end_of_run = p;
            ++count;
            while (p != last && ErrorHandler::is_blank(*p)) ++p;
        }
        if (count == 0) return false;
        ast::Radicals token{detail::rest(start, end_of_run), count};
        x3::traits::move_to(token, attr);
        first = end_of_run;
        return true;
    }
};

/// A given ASCII spelling (`[`, `=`, `..`), kept with its position.
struct PunctToken : x3::parser<PunctToken> {
    using attribute_type = ast::Punct;
    static const bool has_attribute = true;
    std::string_view spelling;
    explicit constexpr PunctToken(std::string_view s) : spelling(s) {}

    template <typename Iterator, typename Context, typename RContext, typename Attribute>
    bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&, Attribute& attr) const {
        x3::skip_over(first, last, context);
        if (!detail::rest(first, last).starts_with(spelling)) return false;
        ast::Punct token{detail::rest(first, first + spelling.size())};
        x3::traits::move_to(token, attr);
        first += spelling.size();
        return true;
    }
};

/// signs = ('+' | '-' | '−') {'+' | '-' | '−'}: a run of unary signs, counted. Blanks are
/// skipped before each sign and after the run, as a repetition of a skipping parser would
/// (the position an error after the signs points at). A count, not a string, because every
/// operand of the tree has room for one.
struct SignsToken : x3::parser<SignsToken> {
    using attribute_type = ast::Signs;
    static const bool has_attribute = true;

    template <typename Iterator, typename Context, typename RContext, typename Attribute>
    bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&, Attribute& attr) const {
        static constexpr std::string_view kMinus = "\xE2\x88\x92";
        ast::Signs signs;
        for (;;) {
            x3::skip_over(first, last, context);
            if (first == last) break;
            if (*first == '+' || *first == '-') {
                signs.minus += *first == '-';
                ++first;
            } else if (detail::rest(first, last).starts_with(kMinus)) {
                ++signs.minus;
                first += kMinus.size();
            } else {
                break;
            }
            ++signs.count;
        }
        if (signs.empty()) return false;
        x3::traits::move_to(signs, attr);
        return true;
    }
};

inline const NumberToken number_token{};
inline const PunctToken open_bracket{"["};
inline const PunctToken close_bracket{"]"};
inline const PunctToken open_paren{"("};
inline const PunctToken close_paren{")"};
inline const PunctToken equals{"="};
inline const PunctToken range_dots{".."};
inline const NameToken name_token{};
inline const SuperscriptToken superscript_token{};
inline const RadicalsToken radicals_token{};
inline const PlainNameToken plain_name_token{};
inline const ImplicitStart implicit_start{};
inline const SignsToken signs_token{};

// ---------------------------------------------------------------------------------------
// Operators: every spelling maps to the ASCII operator it means.
// ---------------------------------------------------------------------------------------

inline const x3::symbols<char> add_op({{"+", '+'}, {"-", '-'}, {"\xE2\x88\x92", '-'}}, "'+' or '-'");
// '·' U+00B7, '⋅' U+22C5, '×' U+00D7, '÷' U+00F7.
inline const x3::symbols<char> mul_op(
    {{"*", '*'}, {"\xC2\xB7", '*'}, {"\xE2\x8B\x85", '*'}, {"\xC3\x97", '*'}, {"/", '/'}, {"\xC3\xB7", '/'}},
    "'*' or '/'");
inline const auto pow_op = x3::lit("**") | x3::lit('^');

// ---------------------------------------------------------------------------------------
// Rule IDs
// ---------------------------------------------------------------------------------------

struct input_class : error_handler_base {};
struct expression_class;
struct term_class;
struct mul_tail_class;
struct signed_class;
struct implicit_factor_class;
struct power_class;
struct exponent_class;
struct postfix_class;
struct primary_class;
struct call_class;
struct arguments_class;
struct argument_class;
struct range_class;
struct lower_bound_class;
struct upper_bound_class;
struct dots_class;
struct indexed_class;
struct index_class;
struct close_index_class;
struct items_class;
struct close_call_class;
struct group_class;
struct list_class;
struct root_class;

// ---------------------------------------------------------------------------------------
// Rules. The names are what an error message says was expected.
// ---------------------------------------------------------------------------------------

const input_type input = "an expression";
const x3::rule<expression_class, ast::Expression> expression = "an expression";
const x3::rule<term_class, ast::Term> term = "an operand";
const x3::rule<mul_tail_class, ast::MulTail> mul_tail = "an operand";
const x3::rule<signed_class, ast::Signed> signed_operand = "an operand";
const x3::rule<implicit_factor_class, ast::Signed> implicit_factor = "an operand";
const x3::rule<power_class, ast::Power> power = "an operand";
const x3::rule<exponent_class, ast::PowTail> exponent = "an exponent";
const x3::rule<postfix_class, ast::Postfix> postfix = "an operand";
const x3::rule<primary_class, ast::Primary> primary = "an operand";
const x3::rule<call_class, ast::Call> call = "a function call";
const x3::rule<arguments_class, std::vector<ast::Argument>> arguments = "an expression";
const x3::rule<argument_class, ast::Argument> argument = "an expression";
const x3::rule<range_class, ast::Range> range = "a range";
const x3::rule<lower_bound_class, ast::Expression> lower_bound = "a lower bound";
const x3::rule<upper_bound_class, ast::Expression> upper_bound = "an upper bound";
const x3::rule<dots_class, ast::Punct> dots = "'..' (a range is written lo..hi)";
const x3::rule<indexed_class, ast::Indexed> indexed = "an operand";
const x3::rule<index_class, ast::Expression> index = "an index";
const x3::rule<close_index_class, ast::Punct> close_index = "']'";
const x3::rule<items_class, std::vector<ast::Expression>> items = "an expression";
const x3::rule<close_call_class, ast::Punct> close_call = "')'";
const x3::rule<group_class, ast::Expression> group = "an expression";
const x3::rule<list_class, ast::List> list = "a list item";
const x3::rule<root_class, ast::Root> root = "an operand";

// ---------------------------------------------------------------------------------------
// Grammar, loosest first. Long chains are repetitions (lists in the AST), never recursion.
// ---------------------------------------------------------------------------------------

const auto input_def = expression;

// expression = term {('+' | '-') term}
const auto expression_def = term >> *(add_op > term);

// term = signed {('*' | '/') signed | implicit}: implicit products share the level of '*'
// and '/', so `1/2x` is (1/2)·x.
const auto term_def = signed_operand >> *mul_tail;
const auto mul_tail_def = (mul_op > signed_operand) | (implicit_start >> x3::attr(' ') >> implicit_factor);

// implicit = power not starting with a number or a sign: `2x`, `x y`, `2(x+1)`, `3 sin(x)`,
// but `2 3` and `x 2` are errors.
const auto implicit_factor_def = x3::attr(ast::Signs()) >> (!number_token >> power);

// signed = {'+' | '-'} power: unary signs bind looser than '^' (`-x^2` = -(x^2)).
// Once a sign is read an operand must follow, and the error points after the signs.
const auto signed_operand_def = (signs_token > power) | (x3::attr(ast::Signs()) >> power);

// power = postfix {('^' | '**') exponent}: right-associative, folded by lowering.
const auto power_def = postfix >> *(pow_op > exponent);

// exponent = {'+' | '-'} postfix: `x^-2`, `x^-y^2` = x^(-(y^2)).
const auto exponent_def = (signs_token > postfix) | (x3::attr(ast::Signs()) >> postfix);

// postfix = primary [superscript]: `x²`, `(x+1)⁻¹`.
const auto postfix_def = primary >> -superscript_token;

const auto primary_def = number_token | plain_name_token | call | indexed | name_token | group | list | root;

// call = name [superscript] '(' argument {',' argument} ')'
const auto call_def = name_token >> -superscript_token >> open_paren > arguments > close_call;
const auto arguments_def = argument > *(',' > argument);
const auto close_call_def = close_paren;

// argument = expression ['=' lower '..' upper]: the range of `sum(i = 1..n, x[i])`. Once the
// '=' is read a range must follow; lowering decides whether this call takes one.
const auto argument_def = expression >> -range;
const auto range_def = equals > lower_bound > dots > upper_bound;
const auto lower_bound_def = expression;
const auto upper_bound_def = expression;
const auto dots_def = range_dots;

// indexed = name '[' expression ']': `x[i + 1]`. Only a name is indexed, so `(x)[1]` stays
// a misplaced list.
const auto indexed_def = name_token >> open_bracket > index > close_index;
const auto index_def = expression;
const auto close_index_def = close_bracket;

// `{…}` groups as `(…)` does, for the exponents the tutorials write as in LaTeX: e^{x^2}.
const auto group_def = ('(' > expression > ')') | ('{' > expression > '}');
const auto list_def = open_bracket > items > ']';
const auto items_def = expression > *(',' > expression);

// root = radicals postfix: `√x`, `√(x+1)`, `√x²` = √(x²).
const auto root_def = radicals_token > postfix;

BOOST_SPIRIT_DEFINE(input, expression, term, mul_tail, signed_operand, implicit_factor, power, exponent, postfix,
                    primary, call, arguments, argument, range, lower_bound, upper_bound, dots, indexed, index,
                    close_index, close_call, group, list, items, root)

} // namespace symdiff::parser

namespace symdiff {
const parser::input_type& expression_grammar() { return parser::input; }
} // namespace symdiff
