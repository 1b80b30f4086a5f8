// Shared helpers of the symdiff subcommands: input, options, bindings, numbers and JSON.
#include "common.hpp"

#include "symdiff/simplify.hpp"
#include "symdiff/suggest.hpp"

#include <fmt/format.h>

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <optional>
#include <type_traits>
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

std::vector<Binding> parse_at(Context& ctx, const std::vector<std::string>& raw) {
    std::vector<Binding> out;
    for (const std::string& arg : raw) {
        // `--at ''` gives no values (a script's empty point), as no --at does.
        if (trim(arg).empty()) continue;
        for (Binding& b : parse_assignments(ctx, arg, "--at")) {
            if (std::any_of(out.begin(), out.end(), [&](const Binding& o) { return o.name == b.name; }))
                throw UsageError(fmt::format("--at gives '{}' twice", b.name));
            out.push_back(std::move(b));
        }
    }
    return out;
}


// A constant expression's value, or an error in the words of `what`.
Expr constant_expr(Context& ctx, std::string_view text, std::string_view what) {
    Expr v;
    try {
        v = parse_expr(ctx, text, ParseOptions{});
    } catch (const Error& e) {
        Diagnostic d = e.diagnostic();
        d.message = fmt::format("in the value of {}: {}", what, d.message);
        throw Error(std::move(d));
    }
    auto free = free_symbols(v);
    if (!free.empty())
        throw Error(fmt::format("the value of {} must be a constant, but it uses '{}'", what, free.front().name()));
    if (v.is(Op::List))
        throw Error(fmt::format("the value of {} must be a number, not a list (a vector is written [a, b, c])", what));
    if (uses_loops(v)) throw Error(fmt::format("the value of {} must be a number", what));
    return v;
}

double constant(Context& ctx, std::string_view text, std::string_view what) {
    return evaluate(constant_expr(ctx, text, what), {});
}

// The largest vector a value may spell out: 8 bytes each, a gigabyte.
constexpr std::size_t kMaxElements = std::size_t{1} << 27;

} // namespace

namespace {

// Where `..` of a range `a..b` or `a..b:n` is: outside brackets, in a value not in brackets.
std::size_t range_dots(std::string_view text) {
    if (!text.empty() && text.front() == '[') return std::string_view::npos;
    int depth = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] == '(' || text[i] == '[') ++depth;
        else if (text[i] == ')' || text[i] == ']') --depth;
        else if (depth == 0 && text[i] == '.' && text[i + 1] == '.') return i;
    }
    return std::string_view::npos;
}

// `a..b:n`: n evenly spaced points from a to b, both included; `a..b` with integer ends:
// every integer from a to b. Point k is (a*(n-1-k) + b*k)/(n-1), so the ends are exact and
// 0..1:11 gives 0.3 rather than 3*0.1.
Binding parse_range(Context& ctx, Binding b, std::string_view text, std::size_t dots, std::string_view what) {
    std::string_view rest = text.substr(dots + 2);
    std::size_t colon = rest.rfind(':');
    const double lo = constant(ctx, trim(text.substr(0, dots)), what);
    const double hi = constant(ctx, trim(rest.substr(0, colon)), what);
    if (!std::isfinite(lo) || !std::isfinite(hi))
        throw Error(fmt::format("the range of {} must have finite ends, not {}..{}", what, number_text(lo), number_text(hi)));
    double n = 0;
    if (colon == std::string_view::npos) {
        if (lo != std::trunc(lo) || hi != std::trunc(hi))
            throw Error(fmt::format("the range {} of {} needs a number of points, as in {}=-3..3:13 (13 points); "
                                    "without one its ends must be integers",
                                    text, what, b.name));
        n = std::fabs(hi - lo) + 1;
    } else {
        n = constant(ctx, trim(rest.substr(colon + 1)), what);
        if (!(n >= 1 && n == std::trunc(n)))
            throw Error(fmt::format("the number of points of the range {} of {} must be a positive integer, not {}", text,
                                    what, number_text(n)));
        if (n == 1 && lo != hi)
            throw Error(fmt::format("the range {} of {} has one point but two different ends", text, what));
    }
    if (n > static_cast<double>(kMaxElements))
        throw Error(fmt::format("the range {} of {} has more than {} points", text, what, kMaxElements));
    const auto count = static_cast<std::size_t>(n);
    b.is_vector = true;
    b.elements.resize(count);
    if (count == 1) {
        b.elements[0] = lo;
        return b;
    }
    const double last = static_cast<double>(count - 1);
    for (std::size_t k = 0; k < count; ++k) {
        const double t = static_cast<double>(k);
        b.elements[k] = (lo * (last - t) + hi * t) / last;
    }
    return b;
}

} // namespace

Binding parse_value(Context& ctx, std::string_view name, std::string_view text, std::string_view what) {
    Binding b;
    b.name = std::string(name);
    text = trim(text);
    if (std::size_t dots = range_dots(text); dots != std::string_view::npos)
        return parse_range(ctx, std::move(b), text, dots, what);
    if (text.empty() || text.front() != '[') {
        b.exact = constant_expr(ctx, text, what);
        b.value = evaluate(b.exact, {});
        return b;
    }
    // The matching bracket, then nothing or `*count`.
    int depth = 0;
    std::size_t close = std::string_view::npos;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '[' || text[i] == '(') ++depth;
        else if ((text[i] == ']' || text[i] == ')') && --depth == 0) {
            close = i;
            break;
        }
    }
    if (close == std::string_view::npos || text[close] != ']')
        throw Error(fmt::format("the vector value of {} has no closing ']'", what));
    std::size_t times = 1;
    std::string_view rest = trim(text.substr(close + 1));
    if (!rest.empty()) {
        if (rest.front() != '*')
            throw Error(fmt::format("after the vector of {} only '*count' may follow, not '{}'", what, rest));
        const double t = constant(ctx, trim(rest.substr(1)), what);
        if (!(t >= 1 && t == std::trunc(t) && t <= static_cast<double>(kMaxElements)))
            throw Error(fmt::format("the repetition count of {} must be a positive integer, not {}", what,
                                    number_text(t)));
        times = static_cast<std::size_t>(t);
    }
    std::vector<double> items;
    std::string_view inside = trim(text.substr(1, close - 1));
    if (inside.empty()) throw Error(fmt::format("the vector value of {} is empty", what));
    for (std::string_view item : split_top_level(inside)) {
        if (trim(item).empty()) throw Error(fmt::format("the vector value of {} has an empty item", what));
        items.push_back(constant(ctx, trim(item), what));
    }
    if (items.size() * times > kMaxElements)
        throw Error(fmt::format("the vector value of {} has more than {} elements", what, kMaxElements));
    b.is_vector = true;
    Activity building(fmt::format("making the vector value of {} ({} elements, {} MB)", what, items.size() * times,
                                  items.size() * times * sizeof(double) >> 20));
    b.elements.reserve(items.size() * times);
    for (std::size_t t = 0; t < times; ++t) b.elements.insert(b.elements.end(), items.begin(), items.end());
    return b;
}

std::string continuation_error(std::string_view option, std::string_view list, std::size_t item,
                               std::string_view text, std::string_view name, ContinuationError kind) {
    const std::string where = fmt::format("{}: '{}' (item {} of '{}') has no name", option, text, item, list);
    switch (kind) {
    case ContinuationError::First: return fmt::format("{} expects name=value, got '{}'", option, text);
    case ContinuationError::Scalar:
        return fmt::format("{}, so it continues the values of '{}', but '{}' is a scalar: give it one value, and "
                           "the next variable as name=value",
                           where, name, name);
    case ContinuationError::Bracketed:
        return fmt::format("{}, so it continues the values of '{}', which are already given in brackets: put them "
                           "all inside [...]",
                           where, name);
    }
    return where;
}

std::vector<Binding> parse_assignments(Context& ctx, std::string_view text, std::string_view option) {
    std::vector<Binding> out;
    const std::string_view list = trim(text);
    std::size_t index = 0;
    for (std::string_view item : split_top_level(text)) {
        ++index;
        item = trim(item);
        auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            // x=-1.2,1,0.5: an item without a name continues the vector of the name before it.
            if (out.empty() || item.empty())
                throw UsageError(item.empty() ? fmt::format("{} expects name=value, got '{}'", option, item)
                                              : continuation_error(option, list, index, item, {},
                                                                   ContinuationError::First));
            Binding& b = out.back();
            if (b.is_vector && b.scalar_error.empty())
                throw UsageError(continuation_error(option, list, index, item, b.name, ContinuationError::Bracketed));
            if (!item.empty() && item.front() == '[')
                throw UsageError(fmt::format("{} {}: a vector in brackets cannot continue a list of values, got '{}'",
                                             option, b.name, item));
            if (!b.is_vector) {
                b.is_vector = true;
                b.elements.push_back(b.value);
                b.scalar_error = continuation_error(option, list, index, item, b.name, ContinuationError::Scalar);
            }
            if (b.elements.size() >= kMaxElements)
                throw Error(fmt::format("the vector value of {} {} has more than {} elements", option, b.name,
                                        kMaxElements));
            b.elements.push_back(constant(ctx, item, fmt::format("{} {}", option, b.name)));
            continue;
        }
        std::string name(trim(item.substr(0, eq)));
        std::string_view value = trim(item.substr(eq + 1));
        if (!looks_like_name(name))
            throw UsageError(fmt::format("{} expects name=value, and '{}' is not a variable name", option, name));
        if (std::any_of(out.begin(), out.end(), [&](const Binding& b) { return b.name == name; }))
            throw UsageError(fmt::format("{} gives '{}' twice", option, name));
        if (value.empty()) throw UsageError(fmt::format("{} {}= needs a value", option, name));
        out.push_back(parse_value(ctx, name, value, fmt::format("{} {}", option, name)));
    }
    return out;
}

void check_list_values(std::span<const Binding> values, Expr e, bool rows_read_numbers) {
    for (const Binding& b : values)
        if (!b.scalar_error.empty() && used_as_number(e, b.name, rows_read_numbers)) throw UsageError(b.scalar_error);
}

namespace {

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
    auto* opt = cmd->add_option("--at", o.at, "Values of the variables, e.g. x=1,y=pi/2 (may be repeated); a vector as x=1,2,3 (the values up to "
                                "the next name=) or x=[1,2]*500")
                    ->allow_extra_args(false)
                    ->type_name("x=V,...");
    if (required) opt->required();
    return opt;
}

void add_wrt_option(CLI::App* cmd, Options& o) {
    cmd->add_option("--wrt", o.wrt, "Variables to differentiate by, e.g. x,y (default: all, in order of appearance, x1..x10 in numeric order)")
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

std::vector<std::string> assignment_names(const std::vector<std::string>& args) {
    std::vector<std::string> names;
    for (const std::string& arg : args) {
        int depth = 0;
        std::size_t item = 0;
        for (std::size_t i = 0; i <= arg.size(); ++i) {
            char c = i < arg.size() ? arg[i] : ',';
            if (c == '(' || c == '[') ++depth;
            if (c == ')' || c == ']') --depth;
            if (depth > 0 || (c != ',' && c != ';')) continue;
            std::string_view it = std::string_view(arg).substr(item, i - item);
            item = i + 1;
            std::size_t eq = it.find('=');
            if (eq == std::string_view::npos) continue;
            std::string name(trim(it.substr(0, eq)));
            if (looks_like_name(name)) names.push_back(name);
        }
    }
    return names;
}

std::string misspelt_name_hint(std::string_view word, std::span<const std::string> known, const Parsed& parsed) {
    std::vector<std::string> candidates(known.begin(), known.end());
    for (const Note& n : parsed.notes)
        if (n.is_product()) candidates.push_back(n.name);
    const std::optional<std::string> best = nearest_name(word, candidates);
    if (!best) return {};
    for (const Note& n : parsed.notes)
        if (n.is_product() && n.name == *best)
            return fmt::format("did you mean '{}'? while no option names it, '{}' is read as the product {}", n.name,
                               n.name, n.reading);
    return fmt::format("did you mean '{}'?", *best);
}

namespace {
// The notes of this run, held back until the command has ended (print_notes).
std::string& pending_notes() {
    static std::string notes;
    return notes;
}
} // namespace

void keep_notes(const Parsed& parsed) {
    for (const Note& n : parsed.notes) {
        std::string& line = pending_notes();
        line += "note: " + n.diagnostic.message;
        if (n.is_product()) line += " (declare it with --vars " + n.name + " to read it as one variable)";
        line += "\n";
    }
}

void print_notes() {
    std::string& notes = pending_notes();
    std::fwrite(notes.data(), 1, notes.size(), stderr);
    notes.clear();
}

Input read_input(Context& ctx, const Options& o, std::span<const std::string> declared) {
    Activity reading("reading and parsing the expression");
    Input in;
    in.text = read_expression(o);
    ParseOptions popts;
    popts.variables = o.vars;
    popts.variables.insert(popts.variables.end(), o.wrt.begin(), o.wrt.end());
    popts.variables.insert(popts.variables.end(), declared.begin(), declared.end());
    // The names of --at are declared too, but their values are parsed without them.
    in.at = parse_at(ctx, o.at);
    in.has_at = !o.at.empty();
    auto at_names = names_of(in.at);
    popts.variables.insert(popts.variables.end(), at_names.begin(), at_names.end());
    in.parsed = parse(ctx, in.text, popts);
    keep_notes(in.parsed);
    // A name the expression lacks keeps its value unused: one point serves a list of
    // expressions, and a derivative by an absent variable is 0 (DESIGN.md).
    check_list_values(in.at, in.parsed.expr, false);
    return in;
}

std::string exact_line(const Input& in, Expr e, double value, Format format) {
    if (format == Format::Json || format == Format::C) return {};
    std::vector<std::pair<Expr, Expr>> values;
    Context& ctx = const_cast<Context&>(e.context());
    for (const Binding& b : in.at) {
        if (b.is_vector || b.exact.is_null()) return {};
        values.emplace_back(ctx.symbol(b.name), b.exact);
    }
    Expr exact = exact_value(e, values);
    if (exact.is_null()) return {};
    std::string text = to_string(exact, format);
    if (text.size() > kMaxExactText) return {};
    return text + " = " + number_text(value);
}

Bindings bindings(const Input& in) {
    Bindings b;
    for (const Binding& x : in.at)
        if (!x.is_vector) b.emplace(x.name, x.value);
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

std::string number_text(double v) { return shortest_double(v); }

void require_bound(const Input& in, Expr e) { symdiff::require_bound(e, in.at, in.text); }

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
    for (const Binding& b : at) {
        if (b.is_vector) o.raw(b.name, json_numbers(b.elements));
        else o.number(b.name, b.value);
    }
    return o.str();
}

JsonObject json_header(std::string_view command, const Input& in) {
    JsonObject o;
    o.string("command", command).string("input", in.text).raw("variables", json_names(in.parsed.variables));
    if (in.has_at) o.raw("at", json_bindings(in.at));
    return o;
}

bool has_vector_values(const Input& in) {
    return std::any_of(in.at.begin(), in.at.end(), [](const Binding& b) { return b.is_vector; });
}

void add_data_options(CLI::App* cmd, DataOptions& o) {
    cmd->add_option("--data", o.path,
                    "CSV file with a header row: its columns are the bare names inside sum(...) and mean(...)")
        ->type_name("FILE.csv");
    cmd->add_option("--map", o.map, "Rename columns before use, e.g. --map x=hours,y=score (old=new)")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->type_name("old=new,...");
}

std::optional<DataSet> load_data(const DataOptions& o) {
    if (o.path.empty()) {
        if (!o.map.empty()) throw UsageError("--map renames the columns of --data, which is not given");
        return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> renames;
    for (const std::string& item : o.map) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || trim(item.substr(0, eq)).empty() || trim(item.substr(eq + 1)).empty())
            throw UsageError(fmt::format("--map expects old=new, got '{}'", item));
        renames.emplace_back(std::string(trim(std::string_view(item).substr(0, eq))),
                             std::string(trim(std::string_view(item).substr(eq + 1))));
    }
    Activity reading(fmt::format("reading the data file '{}'", o.path));
    DataSet data = read_csv(o.path, CsvOptions{});
    if (!renames.empty()) rename_columns(data, renames);
    return data;
}

void throw_at_word(const Input& in, std::string_view name, const std::string& message) {
    symdiff::throw_at_word(in.text, name, message);
}

LoopBinding bind_loops(const Input& in, const DataSet* data, std::span<const Expr> outputs) {
    return symdiff::bind_loops(outputs, in.at, data, in.text);
}

std::string vector_summary(std::span<const double> v, std::size_t full) {
    std::string out = "[";
    const std::size_t shown = v.size() <= full ? v.size() : 5;
    for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + number_text(v[i]);
    if (shown < v.size()) out += fmt::format(", ... ({} elements)", v.size());
    return out + "]";
}

std::string json_numbers(std::span<const double> v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        out += json_number(v[i]);
    }
    return out + "]";
}

std::string json_curvature(const Curvature& c) {
    return JsonObject()
        .string("kind", point_kind_name(c.kind))
        .raw("eigenvalues", json_numbers(c.eigenvalues))
        .raw("probed", c.probed ? "true" : "false")
        .str();
}

std::string json_data(const DataOptions& o, const DataSet& data) {
    std::string names = "[";
    for (std::size_t i = 0; i < data.names.size(); ++i) names += (i ? ", " : "") + json_string(data.names[i]);
    names += "]";
    return JsonObject()
        .string("file", o.path)
        .raw("rows", std::to_string(data.rows()))
        .raw("columns", names)
        .str();
}

void print_line(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
}

// --- --backend

void add_backend_option(CLI::App* cmd, EvalBackend& backend) {
    cmd->add_option_function<std::string>(
           "--backend",
           [&backend](const std::string& name) {
               backend = name == "jit" ? EvalBackend::Jit : name == "interp" ? EvalBackend::Interp : EvalBackend::Auto;
           },
           "auto (the JIT when it is faster, the default), jit (native code) or interp (the reference "
           "interpreter); the same numbers either way")
        ->check(CLI::IsMember({"auto", "jit", "interp"}))
        ->type_name("auto|jit|interp");
}

Value evaluate_point(Expr e, const Input& in, EvalBackend backend) {
    return symdiff::evaluate_point(e, in.at, backend, in.text);
}

// --- long runs, counts, output files and memory

namespace {

volatile std::sig_atomic_t g_signal = 0;
struct sigaction g_old_int {}, g_old_term {};
bool g_int_ignored = false;

extern "C" void on_stop_signal(int sig) {
    if (g_signal != 0) {
        // The second Ctrl-C: the user does not want to wait for the report.
        ::signal(sig, SIG_DFL);
        ::raise(sig);
        return;
    }
    g_signal = sig;
}

} // namespace

InterruptScope::InterruptScope() {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; // the run polls the flag; reads and writes carry on
    ::sigaction(SIGINT, nullptr, &g_old_int);
    g_int_ignored = g_old_int.sa_handler == SIG_IGN;
    if (!g_int_ignored) ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptScope::~InterruptScope() {
    if (!g_int_ignored) ::sigaction(SIGINT, &g_old_int, nullptr);
    ::sigaction(SIGTERM, &g_old_term, nullptr);
}

const volatile std::sig_atomic_t* InterruptScope::flag() { return &g_signal; }

int InterruptScope::status() {
    switch (g_signal) {
    case 0: return 0;
    case SIGTERM: return kTerminated;
    default: return kInterrupted;
    }
}

CLI::Option* add_count_option(CLI::App* cmd, const std::string& name, std::uint64_t& value, const std::string& help,
                              std::uint64_t max) {
    // CLI11 reads "-1" into an unsigned as 2^64 - 1, which would run for ever.
    auto check = [max](const std::string& text) -> std::string {
        std::uint64_t v = 0;
        const char* end = text.data() + text.size();
        const auto [at, ec] = std::from_chars(text.data(), end, v);
        const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        if (!digits || at != end) return fmt::format("'{}' is not a count (a whole number from 0 to {})", text, max);
        if (ec == std::errc::result_out_of_range || v > max)
            return fmt::format("{} is out of range (at most {})", text, max);
        return {};
    };
    return cmd->add_option(name, value, help)->check(CLI::Validator(check, "N", "count"))->type_name("N");
}

Activity::Activity(std::string what) : what_(std::move(what)), exceptions_(std::uncaught_exceptions()) {}

namespace {
std::string& failed_activity() {
    static std::string what;
    return what;
}
} // namespace

Activity::~Activity() {
    if (std::uncaught_exceptions() > exceptions_ && failed_activity().empty()) {
        try {
            failed_activity() = what_;
        } catch (...) {
        }
    }
}

const std::string& Activity::failed() { return failed_activity(); }

void refuse_input_as_output(const std::string& option, const std::string& output,
                            std::span<const std::pair<std::string, std::string>> inputs) {
    if (output.empty() || output == "-") return;
    for (const auto& [input_option, input] : inputs) {
        if (input.empty()) continue;
        const std::string path = input == "-" ? "/dev/stdin" : input;
        if (same_file(output, path))
            throw UsageError(fmt::format("{} '{}' is the same file as {} '{}': it would overwrite the input", option,
                                         output, input_option, input));
    }
}

} // namespace symdiff::cli
