/// \file Values written as text, as options and commands give them: constant expressions
/// (`-1.2`, `pi/2`), lists (`0.1,0.01`), ranges (`-3..3:13`), vectors (`[-1.2,1]*500`) and
/// assignments (`x=1,y=[1,2]*3`). The CLI, the REPL and the Python module parse and check them
/// with these functions, so a value means the same everywhere. Messages name the value by the
/// `what` the caller passes ("--at x", "lr"), never an option of their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "symdiff/diagnostic.hpp"
#include "symdiff/engine.hpp"
#include "symdiff/expr.hpp"

namespace symdiff {

/// Well-formed text used the wrong way (a name given twice, an item without a name): the
/// caller's mistake rather than bad input. The program exits with status 2 for it, not 1.
class UsageError : public Error {
public:
    using Error::Error;
};

/// What the program is doing, for the message of an allocation failure: while one lives, an
/// exception leaving its scope records `what` (the innermost one), and the front end's "out of
/// memory" names it.
class Activity {
public:
    explicit Activity(std::string what);
    ~Activity();
    Activity(const Activity&) = delete;
    Activity& operator=(const Activity&) = delete;
    /// The innermost activity an exception left, or empty.
    static const std::string& failed();

private:
    std::string what_;
    int exceptions_;
};

/// `s` without the blanks (spaces, tabs, line ends) at either end.
std::string_view trim(std::string_view s);
/// `s` cut at every `sep`: "a,,b" is {"a", "", "b"}, "" is {""}. Items are not trimmed.
std::vector<std::string_view> split(std::string_view s, char sep);
/// `s` cut at the commas outside brackets, so that `y=atan2(1,2),x=1` keeps the call whole.
std::vector<std::string_view> split_top_level(std::string_view s);
/// A name as the parser takes it: letters (any non-ASCII byte counts, for Greek), digits and
/// '_', not starting with a digit.
bool looks_like_name(std::string_view s);

/// Whether a constant must be a finite number (a range's end) or may be inf or nan (a start
/// point, where the optimiser reports what it does with one).
enum class Finite : bool { Any, Required };

/// The value of a constant expression such as `-1`, `2.5` or `pi/2`. Errors name `what`:
/// "what: 'text' is not a number: <the parse error>", "what: 'text' is not a constant" and,
/// with Finite::Required, "what: 'text' is not a finite number".
double constant_value(Context& ctx, std::string_view text, std::string_view what, Finite finite = Finite::Any);

/// Numbers separated by commas, each a constant expression greater than zero (learning rates):
/// "what must be positive, got '-1'" (a UsageError) otherwise.
std::vector<double> positive_numbers(Context& ctx, std::string_view text, std::string_view what);

// --- assignments: name=value lists

/// A value of an assignment: a constant expression (`-1.2`, `pi/2`; its Expr is kept in
/// `exact`), a range `a..b:n` (n evenly spaced points, ends included) or `a..b` with integer
/// ends, or a vector `[a, b, c]` of constant expressions, optionally repeated: `[-1.2, 1]*500`
/// is the 1000 elements -1.2, 1, -1.2, 1, ... Errors name `what` ("--at x").
Assignment parse_value(Context& ctx, std::string_view name, std::string_view text, std::string_view what);

/// Splits `x=1,y=[1,2]*3` at the commas outside brackets into name=value items and parses
/// each value with parse_value. An item without '=' continues the values of the name before
/// it, which makes that name a vector: `x=-1.2,1,0.5,y=2` is x = [-1.2, 1, 0.5] and y = 2.
/// A malformed item, a name given twice, a list that starts without a name, or a continuation
/// after a vector in brackets is a UsageError (the messages of continuation_error) that names
/// the list by `what` ("--at").
std::vector<Assignment> parse_assignments(Context& ctx, std::string_view text, std::string_view what);

/// Why an item without a name (`1` in `x=0,1`) cannot continue a list of values.
enum class ContinuationError : std::uint8_t {
    First,     ///< it is the first item: there is no name before it
    Scalar,    ///< the name before it is a scalar of the expression
    Bracketed, ///< the name before it already has a vector in brackets
};
/// The message for item `item` (1-based, text `text`) of `list` given to `what`, continuing
/// (First: "--from expects name=value, got '1'", as for any item without a name)
/// `name`: "--from: '1' (item 2 of 'm=0,1') has no name, so it continues the values of 'm',
/// but 'm' is a scalar: ...".
std::string continuation_error(std::string_view what, std::string_view list, std::size_t item, std::string_view text,
                               std::string_view name, ContinuationError kind);
/// Throws the Assignment's scalar_error (a UsageError) for the first list without brackets
/// given to a name that e uses as a number (used_as_number).
void check_list_values(std::span<const Assignment> values, Expr e, bool rows_read_numbers);


// --- an optimiser's options

/// How the caller names the three choices set_optimiser_choices reads ("--method", "method").
struct ChoiceNames {
    std::string_view method, momentum_form, schedule;
};
/// Sets o.method, o.momentum_form and o.schedule from their names (`adam`, `velocity`,
/// `exp:0.99`). An unknown name is a UsageError: "unknown <method> 'x' (gd, momentum, ...)",
/// "<momentum_form> is accumulate or velocity, not 'x'", "<schedule> is constant, ... not 'x'".
void set_optimiser_choices(Options& o, std::string_view method, std::string_view momentum_form,
                           std::string_view schedule, const ChoiceNames& names);
/// The methods of a list (`gd,momentum,adam`), in its order: one optimiser run each. An unknown
/// name is a UsageError "<what> expects gd, momentum, nesterov, adam, rmsprop, lbfgs or newton,
/// got 'adm' (did you mean 'adam'?)", the words the CLI gives a bad choice of any option.
std::vector<Method> parse_methods(std::string_view text, std::string_view what);

// --- start points of an optimiser

/// A start point of a function of vectors or data: the scalar parameters' values, then each
/// vector parameter's elements, and the sizes of sums given with it.
struct StartPoint {
    std::vector<double> x;
    std::vector<std::size_t> lengths; ///< of each vector parameter, in order
    std::vector<SizeBinding> sizes;
};
/// Start points for minimising f over `params` (scalars first, then vectors, each group in the
/// order of `params`): one per ';'-separated group of each text, `x=1,v=[0,1]*50,n=100`,
/// giving every parameter a value (a vector to each vector of f) and optionally sizes of f's
/// sums. Errors name the texts by `what` ("--from"); none given is a UsageError.
std::vector<StartPoint> parse_start_points(Context& ctx, std::span<const std::string> texts, Expr f,
                                           std::span<const Expr> params, std::string_view what);

} // namespace symdiff
