// Shared helpers of the symdiff subcommands: input, options, bindings, numbers and JSON.
#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>
#include <unordered_set>

namespace symdiff::cli {
namespace {

std::string_view trim(std::string_view s) {
    constexpr std::string_view space = " \t\r\n";
    auto b = s.find_first_not_of(space);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(space) - b + 1);
}

// Splits at commas outside brackets, so that `--at y=atan2(1,2),x=1` keeps the call whole.
std::vector<std::string_view> split_top_level(std::string_view s) {
    std::vector<std::string_view> parts;
    int depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '(' || c == '[') ++depth;
        else if ((c == ')' || c == ']') && depth > 0) --depth;
        else if (c == ',' && depth == 0) {
            parts.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    parts.push_back(s.substr(start));
    return parts;
}

bool is_name_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// A name as the parser takes it: letters (any non-ASCII byte counts, for Greek), digits and
// '_', not starting with a digit. The parser has the last word on the value.
bool looks_like_name(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return is_name_byte(static_cast<unsigned char>(c)); });
}

// Where `name` occurs in the text as a whole word, for a caret under an unknown variable.
std::optional<std::size_t> find_word(std::string_view text, std::string_view name) {
    for (auto at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
        bool before = at > 0 && is_name_byte(static_cast<unsigned char>(text[at - 1]));
        std::size_t end = at + name.size();
        bool after = end < text.size() && is_name_byte(static_cast<unsigned char>(text[end]));
        if (!before && !after) return at;
    }
    return std::nullopt;
}

// Prefixes the message of a diagnostic from parsing an --at value, keeping its caret.
Error in_at_value(const Error& e, std::string_view name) {
    Diagnostic d = e.diagnostic();
    d.message = fmt::format("in the value of --at {}: {}", name, d.message);
    return Error(std::move(d));
}

std::vector<Binding> parse_at(Context& ctx, const std::vector<std::string>& raw, const ParseOptions& popts) {
    std::vector<Binding> out;
    for (const std::string& arg : raw) {
        for (std::string_view item : split_top_level(arg)) {
            item = trim(item);
            auto eq = item.find('=');
            if (eq == std::string_view::npos)
                throw UsageError(fmt::format("--at expects name=value, got '{}'", item));
            std::string name(trim(item.substr(0, eq)));
            std::string_view value = trim(item.substr(eq + 1));
            if (!looks_like_name(name))
                throw UsageError(fmt::format("--at expects name=value, and '{}' is not a variable name", name));
            if (std::any_of(out.begin(), out.end(), [&](const Binding& b) { return b.name == name; }))
                throw UsageError(fmt::format("--at gives '{}' twice", name));
            if (value.empty()) throw UsageError(fmt::format("--at {}= needs a value", name));
            Expr v;
            try {
                v = parse_expr(ctx, value, popts);
            } catch (const Error& e) {
                throw in_at_value(e, name);
            }
            auto free = free_symbols(v);
            if (!free.empty())
                throw Error(fmt::format("the value of --at {} must be a constant, but it uses '{}'", name, free.front().name()));
            if (v.is(Op::List)) throw Error(fmt::format("the value of --at {} must be a number, not a list", name));
            out.push_back({std::move(name), evaluate(v, {})});
        }
    }
    return out;
}

std::vector<std::string> names_of(const std::vector<Binding>& at) {
    std::vector<std::string> names;
    for (const auto& b : at) names.push_back(b.name);
    return names;
}

} // namespace

CLI::App* add_command(CLI::App& app, std::string name, std::string description) {
    return app.add_subcommand(std::move(name), std::move(description));
}

void add_expr_argument(CLI::App* cmd, Options& o) {
    cmd->add_option("EXPR", o.expr, "The expression, or - to read it from standard input")->required();
}

void add_format_option(CLI::App* cmd, Options& o) {
    cmd->add_option_function<std::string>(
           "--format", [&o](const std::string& name) { o.format = *format_from_name(name); },
           "Output format: text (parseable), unicode, latex, c or json")
        ->check(CLI::IsMember({"text", "unicode", "latex", "c", "json"}))
        ->type_name("FORMAT");
}

void add_vars_option(CLI::App* cmd, Options& o) {
    cmd->add_option("--vars", o.vars, "Declared variables, e.g. x,y: then xy means x*y")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("x,y,...");
}

CLI::Option* add_at_option(CLI::App* cmd, Options& o, bool required) {
    // One value per --at: a vector option would otherwise swallow EXPR after it.
    auto* opt = cmd->add_option("--at", o.at, "Values of the variables, e.g. x=1,y=pi/2 (may be repeated)")
                    ->allow_extra_args(false)
                    ->type_name("x=V,...");
    if (required) opt->required();
    return opt;
}

void add_wrt_option(CLI::App* cmd, Options& o) {
    cmd->add_option("--wrt", o.wrt, "Variables to differentiate by, e.g. x,y (default: all, in order of appearance)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("x,y,...");
}

std::string read_expression(const Options& o) {
    if (o.expr != "-") return o.expr;
    // Read at most one byte past the limit: enough to know the input is too long without
    // swallowing an endless stream.
    const std::size_t limit = ParseOptions{}.max_bytes;
    std::string text;
    char buf[1 << 16];
    while (text.size() <= limit) {
        std::size_t want = std::min(sizeof buf, limit + 1 - text.size());
        std::size_t got = std::fread(buf, 1, want, stdin);
        text.append(buf, got);
        if (got < want) break;
    }
    if (std::ferror(stdin)) throw Error("cannot read standard input");
    if (text.size() > limit)
        throw Error(fmt::format("the input is longer than the limit of {} bytes", limit));
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    return text;
}

Input read_input(Context& ctx, const Options& o) {
    Input in;
    in.text = read_expression(o);
    ParseOptions popts;
    popts.variables = o.vars;
    popts.variables.insert(popts.variables.end(), o.wrt.begin(), o.wrt.end());
    // The names of --at are declared too, but their values are parsed without them.
    in.at = parse_at(ctx, o.at, ParseOptions{});
    in.has_at = !o.at.empty();
    auto at_names = names_of(in.at);
    popts.variables.insert(popts.variables.end(), at_names.begin(), at_names.end());
    in.parsed = parse(ctx, in.text, popts);

    std::unordered_set<std::string> known(o.vars.begin(), o.vars.end());
    for (Expr v : in.parsed.variables) known.insert(v.name());
    for (const Binding& b : in.at) {
        if (!known.count(b.name)) {
            std::string vars;
            for (Expr v : in.parsed.variables) vars += (vars.empty() ? "" : ", ") + v.name();
            throw Error(fmt::format("--at gives a value to '{}', which is not a variable of the expression ({})",
                                    b.name, vars.empty() ? "it has none" : "its variables: " + vars));
        }
    }
    return in;
}

Bindings bindings(const Input& in) {
    Bindings b;
    for (const Binding& x : in.at) b.emplace(x.name, x.value);
    return b;
}

std::vector<Expr> wrt_variables(Context& ctx, const Options& o, const Input& in) {
    if (o.wrt.empty()) return in.parsed.variables;
    std::vector<Expr> out;
    for (const std::string& name : o.wrt) {
        if (!looks_like_name(name)) throw UsageError(fmt::format("--wrt expects variable names, got '{}'", name));
        out.push_back(ctx.symbol(name));
    }
    return out;
}

std::string number_text(double v) {
    // Integers print in full, as the printer writes exact integers (500000, not 5e+05).
    if (v == std::trunc(v) && std::fabs(v) < 0x1p53) return fmt::format("{:.0f}", v);
    return shortest_double(v);
}

void require_bound(const Input& in, Expr e) {
    Bindings at = bindings(in);
    for (Expr v : free_symbols(e)) {
        if (at.count(v.name())) continue;
        std::string msg = fmt::format("unknown variable '{}': give its value with --at {}=...", v.name(), v.name());
        if (auto pos = find_word(in.text, v.name())) {
            auto points = std::count_if(v.name().begin(), v.name().end(), [](char c) { return (c & 0xC0) != 0x80; });
            throw Error(make_diagnostic(msg, in.text, *pos, static_cast<std::size_t>(points)));
        }
        throw Error(msg);
    }
}

Value evaluate_value(Expr e, const Bindings& at) {
    if (e.is(Op::List)) {
        Value v;
        v.is_list = true;
        for (std::size_t i = 0; i < e.size(); ++i) v.items.push_back(evaluate_value(e[i], at));
        return v;
    }
    return Value{evaluate(e, at), {}, false};
}

std::string value_text(const Value& v) {
    if (!v.is_list) return number_text(v.scalar);
    std::string out = "[";
    for (std::size_t i = 0; i < v.items.size(); ++i) out += (i ? ", " : "") + value_text(v.items[i]);
    return out + "]";
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04x}", c);
                else out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        // Copy one well-formed UTF-8 sequence (no overlongs, surrogates or values past
        // U+10FFFF), else emit U+FFFD for this byte, so the output is always valid UTF-8.
        std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        bool ok = n != 0 && c >= 0xC2 && c <= 0xF4 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (ok && n >= 3) {
            unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
            if (c == 0xE0 && c1 < 0xA0) ok = false;      // overlong
            if (c == 0xED && c1 >= 0xA0) ok = false;     // surrogate
            if (c == 0xF0 && c1 < 0x90) ok = false;      // overlong
            if (c == 0xF4 && c1 >= 0x90) ok = false;     // past U+10FFFF
        }
        if (ok) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out + "\"";
}

std::string json_number(double v) {
    if (!std::isfinite(v)) return json_string(number_text(v));
    return number_text(v);
}

std::string json_value(const Value& v) {
    if (!v.is_list) return json_number(v.scalar);
    std::string out = "[";
    for (std::size_t i = 0; i < v.items.size(); ++i) out += (i ? ", " : "") + json_value(v.items[i]);
    return out + "]";
}

std::string json_expr(Expr e) {
    return JsonObject().string("text", to_string(e, Format::Text)).raw("tree", to_string(e, Format::Json)).str();
}

JsonObject& JsonObject::raw(std::string_view key, std::string value) {
    if (!body_.empty()) body_ += ", ";
    body_ += json_string(key);
    body_ += ": ";
    body_ += value;
    return *this;
}

std::string json_names(std::span<const Expr> symbols) {
    std::string out = "[";
    for (std::size_t i = 0; i < symbols.size(); ++i) out += (i ? ", " : "") + json_string(symbols[i].name());
    return out + "]";
}

std::string json_bindings(std::span<const Binding> at) {
    JsonObject o;
    for (const Binding& b : at) o.number(b.name, b.value);
    return o.str();
}

JsonObject json_header(std::string_view command, const Input& in) {
    JsonObject o;
    o.string("command", command).string("input", in.text).raw("variables", json_names(in.parsed.variables));
    if (in.has_at) o.raw("at", json_bindings(in.at));
    return o;
}

void print_line(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
}

} // namespace symdiff::cli
