// Shared helpers of the symdiff subcommands: input, options, bindings, numbers and JSON.
#include "common.hpp"

#include "symdiff/simplify.hpp"
#include "symdiff/suggest.hpp"
#include "symdiff/values.hpp"

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


} // namespace

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
    Context& ctx = e.context();
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
