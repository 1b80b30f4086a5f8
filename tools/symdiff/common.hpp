// What the subcommands of the symdiff program share: reading EXPR, the common options,
// parsing with the declared variables, --at bindings, numbers and JSON output.
//
// A subcommand is one file, cmd_<name>.cpp, that defines `void register_<name>(CLI::App&)`
// and is listed once in commands.def. Its callback writes to standard output and reports
// failure by throwing: symdiff::Error (exit 1, bad input) or UsageError (exit 2).
#pragma once

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "symdiff/data.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/engine.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"
#include "symdiff/jit.hpp"
#include "symdiff/optimize.hpp"
#include "symdiff/output.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"
#include "symdiff/values.hpp"

namespace symdiff::cli {

/// Wrong use of the program that CLI11 cannot see, such as `--at x` without a value:
/// main prints "error: <what>" and exits with status 2.
using symdiff::UsageError;

/// The exit statuses of the program (README "Exit status and errors"): 128 + the signal for
/// a run stopped by Ctrl-C (SIGINT) or SIGTERM.
inline constexpr int kOk = 0, kBadInput = 1, kUsage = 2, kCheckFailed = 3, kInterrupted = 130, kTerminated = 143;

/// A command that ran and printed its answer, but whose answer is a "no" a script must see:
/// `check` when a component fails. main exits with `status` and prints nothing more.
struct CommandVerdict {
    int status;
};

/// One `name=value` of --at, --from or --init (engine.hpp): a constant expression already
/// evaluated, or a vector `[a, b, c]` (repeated with `[a, b]*500`), or a vector written as a
/// list without brackets, `x=a,b,c` (with its scalar_error).
using Binding = Assignment;

/// The options every expression subcommand may take, bound to CLI11 by the add_* helpers
/// below. Each command keeps its own Options in a shared_ptr captured by its callback.
struct Options {
    std::string expr;                 ///< EXPR as given, or "-" for standard input
    std::vector<std::string> at;      ///< raw --at arguments, split by parse_at()
    std::vector<std::string> wrt;     ///< --wrt x,y
    std::vector<std::string> vars;    ///< --vars x,y
    Format format = Format::Text;     ///< --format
};

// --- long runs, counts, output files and memory

/// While it lives, SIGINT and SIGTERM do not kill the program: they set flag(), which the
/// optimisers read (Options::stop) to stop at the step they are at, so that the command can
/// print its report and write its trace before exiting with status(). A second signal kills
/// the program as usual. A SIGINT ignored when the program started (a background job of a
/// shell) stays ignored.
class InterruptScope {
public:
    InterruptScope();
    ~InterruptScope();
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;
    static const volatile std::sig_atomic_t* flag();
    /// kInterrupted after SIGINT, kTerminated after SIGTERM, 0 if none came.
    static int status();
};

/// Adds an option holding a count (--steps, --epochs, ...): digits only, from 0 to `max`;
/// anything else (-1, 2.5, 18446744073709551616) is a usage error naming the option.
CLI::Option* add_count_option(CLI::App* cmd, const std::string& name, std::uint64_t& value, const std::string& help,
                              std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

using symdiff::Activity;

/// A UsageError if `output` (given to `option`) is the same file as one of the inputs:
/// {option, path} pairs, such as {"--data", "d.csv"}. "-" and paths that do not exist are
/// never the same file.
void refuse_input_as_output(const std::string& option, const std::string& output,
                            std::span<const std::pair<std::string, std::string>> inputs);

/// Adds a subcommand whose --help shows `description`.
CLI::App* add_command(CLI::App& app, std::string name, std::string description);
/// EXPR, required: the expression, or "-" to read all of standard input.
void add_expr_argument(CLI::App* cmd, Options& o);
/// --format text|unicode|latex|c|json.
void add_format_option(CLI::App* cmd, Options& o);
/// --vars x,y: names declared as variables, for the juxtaposition rule of the parser.
void add_vars_option(CLI::App* cmd, Options& o);
/// --at x=1,y=2 (values are constant expressions, `x=pi/2`; may be repeated). `required`
/// makes it mandatory.
CLI::Option* add_at_option(CLI::App* cmd, Options& o, bool required = false);
/// --wrt x,y: the variables to differentiate by.
void add_wrt_option(CLI::App* cmd, Options& o);

/// The expression text: o.expr itself, or all of standard input for "-" (one trailing
/// newline dropped). Throws symdiff::Error if standard input is longer than the parser's
/// input limit, without reading much past it.
std::string read_expression(const Options& o);

/// An expression read and parsed with everything the options declare.
struct Input {
    std::string text;                 ///< the source text (after reading stdin)
    Parsed parsed;                    ///< the expression and its variables in text order
    std::vector<Binding> at;          ///< --at in the order given
    bool has_at = false;              ///< --at was given (possibly binding nothing)
};

/// Reads and parses o.expr. Names in --vars, --wrt and --at are declared variables, and so
/// are `declared` (data columns, --params, --from), so `eval "wx" --at wx=2` reads one
/// variable; names read otherwise (as products of letters) are noted on standard error. The
/// --at values are parsed and evaluated too; a name the expression does not have is allowed
/// (and unused), and an empty --at gives nothing. Throws symdiff::Error (exit 1) for bad
/// expressions or values; UsageError for a malformed --at.
Input read_input(Context& ctx, const Options& o, std::span<const std::string> declared = {});

/// The names that `name=value` items of option arguments give (`--from x=1,y=[1,2];x=2`:
/// x, y), without parsing the values: they are declared variables of the expression, so a
/// longer name given a start value is one variable.
std::vector<std::string> assignment_names(const std::vector<std::string>& args);

/// "did you mean 'm'?" for the name of `known` that `word` (a name an option gave) most likely
/// misspells, or "" for none. A name the expression reads as the product of its letters counts
/// too, and the hint then says why it is no variable: `--params m,bais` for a loss with `bias`
/// gets "did you mean 'bias'? while no option names it, 'bias' is read as the product
/// b*i*a*s" (--params, --init and --from declare the names they give).
std::string misspelt_name_hint(std::string_view word, std::span<const std::string> known, const Parsed& parsed);

/// " (hint)" for a hint that is not empty, else "".
inline std::string in_brackets(const std::string& hint) { return hint.empty() ? hint : " (" + hint + ")"; }

/// Keeps the parser's notes (names read as products of their letters, function names with
/// the argument run on) for print_notes, one line each: `note: 'xy' is read as the product
/// x*y (declare it with --vars xy to read it as one variable)`.
void keep_notes(const Parsed& parsed);

/// Prints the notes kept so far on standard error. main() calls it once the command has
/// ended, after its output or after its error message, so that an error's standard error
/// still starts with `error:` and a note never sits between a report's lines.
void print_notes();

/// Exact forms longer than this are not printed beside a value.
constexpr std::size_t kMaxExactText = 40;

/// `3*sqrt(2) = 4.242640687119285`: the exact value of e at the --at point (simplify.hpp,
/// exact_value) and its double, for a line before the bare value; "" when e has no exact value
/// worth showing there (a plain number, a double, sin(1)), when a value of --at is a vector,
/// in the JSON and C formats, and past kMaxExactText characters.
std::string exact_line(const Input& in, Expr e, double value, Format format);

/// The scalar --at bindings as evaluate() takes them (vectors left out).
Bindings bindings(const Input& in);

// parse_value, parse_assignments, continuation_error and check_list_values: values.hpp.
/// The options minimize and fit name the optimiser's choices by.
inline constexpr ChoiceNames kChoiceNames{"--method", "--momentum-form", "--schedule"};

// --- data and vectors (docs/reductions.md)

/// --data FILE and --map old=new,...
struct DataOptions {
    std::string path;
    std::vector<std::string> map;
};
/// Adds --data (a CSV file with a header row; columns bind the bare names inside
/// sum(...)/mean(...) over rows) and --map (renames columns: --map x=hours,y=score).
void add_data_options(CLI::App* cmd, DataOptions& o);
/// The data set of --data with --map applied, or nothing without --data. Throws
/// symdiff::Error naming the file (and line and column) for bad data, UsageError for a
/// malformed --map.
std::optional<DataSet> load_data(const DataOptions& o);
/// True if any --at value is a vector.
bool has_vector_values(const Input& in);

/// bind_loops (engine.hpp) of the --at values, with carets in the input text.
LoopBinding bind_loops(const Input& in, const DataSet* data, std::span<const Expr> outputs);
/// Throws symdiff::Error with a caret under the first whole-word occurrence of `name` in the
/// input, or without one if it does not occur.
[[noreturn]] void throw_at_word(const Input& in, std::string_view name, const std::string& message);
/// `[1, 2, 3]` in full up to `full` elements; longer vectors as their first five elements,
/// `...`, and the count: `[1, 1, 1, 1, 1, ... (100000 elements)]`.
std::string vector_summary(std::span<const double> v, std::size_t full = 20);
/// A JSON array of numbers.
std::string json_numbers(std::span<const double> v);
/// {"kind": "saddle", "eigenvalues": [-2, 2], "probed": false}: what a point is (optimize.hpp).
std::string json_curvature(const Curvature& c);
/// {"file", "rows", "columns"} of a data set.
std::string json_data(const DataOptions& o, const DataSet& data);

/// The --wrt variables as symbols of ctx, or the expression's variables when --wrt is absent.
std::vector<Expr> wrt_variables(Context& ctx, const Options& o, const Input& in);

/// How the CLI writes a double: shortest_double ("4", "0.1", "500000", "0.0001", "1e+300",
/// "inf", "-inf", "nan").
std::string number_text(double v);

/// Throws symdiff::Error "unknown variable 'z'" for the first free variable of e that --at
/// does not bind, with a caret under it in the input when it appears there as a word.
void require_bound(const Input& in, Expr e);

/// The value of e at the bindings, recursing into lists (evaluate() takes no lists).
Value evaluate_value(Expr e, const Bindings& at);
/// `4`, or `[1, 2]` for a list.
std::string value_text(const Value& v);

// --- JSON output. Strings are built with these helpers so that every invocation prints
// exactly one valid JSON object; see README "JSON output" for the schema.

/// s as a JSON string literal, quotes included. Invalid UTF-8 bytes become U+FFFD.
std::string json_string(std::string_view s);
/// A finite number as a JSON number; inf, -inf and nan as the strings "inf", "-inf", "nan"
/// (JSON has no such numbers; float() in Python reads both forms).
std::string json_number(double v);
/// A Value as a JSON number (json_number) or an array of them.
std::string json_value(const Value& v);
/// {"text": "<text form>", "tree": <to_string(e, Format::Json)>}: how every expression
/// appears in the JSON output.
std::string json_expr(Expr e);

/// Builds one JSON object member by member, in insertion order.
class JsonObject {
public:
    /// Adds "key": value, where value is already JSON text.
    JsonObject& raw(std::string_view key, std::string value);
    JsonObject& string(std::string_view key, std::string_view value) { return raw(key, json_string(value)); }
    JsonObject& number(std::string_view key, double value) { return raw(key, json_number(value)); }
    std::string str() const { return "{" + body_ + "}"; }

private:
    std::string body_;
};

/// ["a", "b"] for the names of symbols.
std::string json_names(std::span<const Expr> symbols);
/// {"x": 1, "y": 2} for the bindings.
std::string json_bindings(std::span<const Binding> at);

/// The members every JSON answer starts with: "command", "input" and "variables", plus "at"
/// when --at was given. Commands add their own members after these.
JsonObject json_header(std::string_view command, const Input& in);

/// Writes text and a newline to standard output.
void print_line(std::string_view text);

// --- --backend of eval, grad and check: the JIT when it pays, the same numbers either way

/// Adds --backend auto|jit|interp (default auto).
void add_backend_option(CLI::App* cmd, EvalBackend& backend);
/// evaluate_point (engine.hpp) at the --at values, with a caret in the input text.
Value evaluate_point(Expr e, const Input& in, EvalBackend backend);

} // namespace symdiff::cli
