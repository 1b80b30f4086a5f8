// Values written as text (values.hpp): constants, ranges, vectors and name=value lists.
#include "symdiff/values.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>

#include <fmt/format.h>

#include "symdiff/eval.hpp"
#include "symdiff/number.hpp"
#include "symdiff/optimize.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/suggest.hpp"

namespace symdiff {

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

std::string_view trim(std::string_view s) {
    constexpr std::string_view space = " \t\r\n";
    auto b = s.find_first_not_of(space);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(space) - b + 1);
}

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

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t b = 0;
    for (;;) {
        const std::size_t e = s.find(sep, b);
        parts.push_back(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
        if (e == std::string_view::npos) return parts;
        b = e + 1;
    }
}

namespace {
bool is_name_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

} // namespace

// The parser has the last word on the value.
bool looks_like_name(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return is_name_byte(static_cast<unsigned char>(c)); });
}


namespace {

// How a text fails to be a constant expression, told apart for the two wordings below.
struct ConstantText {
    Expr value;          // null when the text does not parse
    const Error* error;  // the parse error then
    Expr free;           // a variable it uses, or null (is_null)
};

template <class F>
auto with_constant(Context& ctx, std::string_view text, F&& f) {
    Expr e;
    try {
        e = parse_expr(ctx, text, ParseOptions{});
    } catch (const Error& err) {
        return f(ConstantText{Expr(), &err, Expr()});
    }
    const auto free = free_symbols(e);
    return f(ConstantText{e, nullptr, free.empty() ? Expr() : free.front()});
}

// The constant of an assignment's value, in the words of `what`: "in the value of --at x: ...".
Expr constant_expr(Context& ctx, std::string_view text, std::string_view what) {
    const Expr v = with_constant(ctx, text, [&](const ConstantText& c) {
        if (c.error) {
            Diagnostic d = c.error->diagnostic();
            d.message = fmt::format("in the value of {}: {}", what, d.message);
            throw Error(std::move(d));
        }
        if (!c.free.is_null())
            throw Error(fmt::format("the value of {} must be a constant, but it uses '{}'", what, c.free.name()));
        return c.value;
    });
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

double constant_value(Context& ctx, std::string_view text, std::string_view what, Finite finite) {
    const double v = with_constant(ctx, text, [&](const ConstantText& c) {
        if (c.error) throw Error(fmt::format("{}: '{}' is not a number: {}", what, text, c.error->what()));
        if (!c.free.is_null()) throw Error(fmt::format("{}: '{}' is not a constant", what, text));
        return evaluate(c.value, {});
    });
    if (finite == Finite::Required && !std::isfinite(v))
        throw Error(fmt::format("{}: '{}' is not a finite number", what, text));
    return v;
}

std::vector<double> positive_numbers(Context& ctx, std::string_view text, std::string_view what) {
    std::vector<double> out;
    for (std::string_view item : split(text, ',')) {
        const double v = constant_value(ctx, trim(item), what);
        if (!(v > 0) || !std::isfinite(v)) throw UsageError(fmt::format("{} must be positive, got '{}'", what, trim(item)));
        out.push_back(v);
    }
    return out;
}

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
Assignment parse_range(Context& ctx, Assignment b, std::string_view text, std::size_t dots, std::string_view what) {
    std::string_view rest = text.substr(dots + 2);
    std::size_t colon = rest.rfind(':');
    const double lo = constant(ctx, trim(text.substr(0, dots)), what);
    const double hi = constant(ctx, trim(rest.substr(0, colon)), what);
    if (!std::isfinite(lo) || !std::isfinite(hi))
        throw Error(fmt::format("the range of {} must have finite ends, not {}..{}", what, shortest_double(lo), shortest_double(hi)));
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
                                    what, shortest_double(n)));
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

Assignment parse_value(Context& ctx, std::string_view name, std::string_view text, std::string_view what) {
    Assignment b;
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
                                    shortest_double(t)));
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

std::string continuation_error(std::string_view what, std::string_view list, std::size_t item,
                               std::string_view text, std::string_view name, ContinuationError kind) {
    const std::string where = fmt::format("{}: '{}' (item {} of '{}') has no name", what, text, item, list);
    switch (kind) {
    case ContinuationError::First: return fmt::format("{} expects name=value, got '{}'", what, text);
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

std::vector<Assignment> parse_assignments(Context& ctx, std::string_view text, std::string_view what) {
    std::vector<Assignment> out;
    const std::string_view list = trim(text);
    std::size_t index = 0;
    for (std::string_view item : split_top_level(text)) {
        ++index;
        item = trim(item);
        auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            // x=-1.2,1,0.5: an item without a name continues the vector of the name before it.
            if (out.empty() || item.empty())
                throw UsageError(item.empty() ? fmt::format("{} expects name=value, got '{}'", what, item)
                                              : continuation_error(what, list, index, item, {},
                                                                   ContinuationError::First));
            Assignment& b = out.back();
            if (b.is_vector && b.scalar_error.empty())
                throw UsageError(continuation_error(what, list, index, item, b.name, ContinuationError::Bracketed));
            if (!item.empty() && item.front() == '[')
                throw UsageError(fmt::format("{} {}: a vector in brackets cannot continue a list of values, got '{}'",
                                             what, b.name, item));
            if (!b.is_vector) {
                b.is_vector = true;
                b.elements.push_back(b.value);
                b.scalar_error = continuation_error(what, list, index, item, b.name, ContinuationError::Scalar);
            }
            if (b.elements.size() >= kMaxElements)
                throw Error(fmt::format("the vector value of {} {} has more than {} elements", what, b.name,
                                        kMaxElements));
            b.elements.push_back(constant(ctx, item, fmt::format("{} {}", what, b.name)));
            continue;
        }
        std::string name(trim(item.substr(0, eq)));
        std::string_view value = trim(item.substr(eq + 1));
        if (!looks_like_name(name))
            throw UsageError(fmt::format("{} expects name=value, and '{}' is not a variable name", what, name));
        if (std::any_of(out.begin(), out.end(), [&](const Assignment& b) { return b.name == name; }))
            throw UsageError(fmt::format("{} gives '{}' twice", what, name));
        if (value.empty()) throw UsageError(fmt::format("{} {}= needs a value", what, name));
        out.push_back(parse_value(ctx, name, value, fmt::format("{} {}", what, name)));
    }
    return out;
}

void check_list_values(std::span<const Assignment> values, Expr e, bool rows_read_numbers) {
    for (const Assignment& b : values)
        if (!b.scalar_error.empty() && used_as_number(e, b.name, rows_read_numbers)) throw UsageError(b.scalar_error);
}

void set_optimiser_choices(Options& o, std::string_view method, std::string_view momentum_form,
                           std::string_view schedule, const ChoiceNames& names) {
    const auto m = method_from_name(method);
    if (!m)
        throw UsageError(fmt::format("unknown {} '{}' (gd, momentum, nesterov, adam, rmsprop, lbfgs, newton)", names.method,
                                     method));
    o.method = *m;
    const auto form = momentum_form_from_name(momentum_form);
    if (!form) throw UsageError(fmt::format("{} is accumulate or velocity, not '{}'", names.momentum_form, momentum_form));
    o.momentum_form = *form;
    const auto s = Schedule::parse(schedule);
    if (!s)
        throw UsageError(fmt::format("{} is constant, step:GAMMA:EVERY, exp:GAMMA or inv:GAMMA, not '{}'",
                                     names.schedule, schedule));
    o.schedule = *s;
}

std::vector<Method> parse_methods(std::string_view text, std::string_view what) {
    static constexpr std::string_view kNames[] = {"gd", "momentum", "nesterov", "adam", "rmsprop", "lbfgs", "newton"};
    std::vector<Method> out;
    for (std::string_view item : split(text, ',')) {
        const std::string_view name = trim(item);
        const auto m = method_from_name(name);
        if (!m)
            throw UsageError(fmt::format("{} expects gd, momentum, nesterov, adam, rmsprop, lbfgs or newton, got '{}'{}",
                                         what, name, did_you_mean(name, std::span<const std::string_view>(kNames))));
        out.push_back(*m);
    }
    return out;
}

std::vector<StartPoint> parse_start_points(Context& ctx, std::span<const std::string> texts, Expr f,
                                           std::span<const Expr> params, std::string_view what) {
    const std::vector<Expr> sizes = size_symbols(f);
    auto is_size = [&](Expr s) { return std::find(sizes.begin(), sizes.end(), s) != sizes.end(); };
    const std::vector<Expr> vector_vars = vector_symbols(f);
    std::vector<Expr> scalars, vectors;
    for (Expr p : params)
        (std::find(vector_vars.begin(), vector_vars.end(), p) != vector_vars.end() ? vectors : scalars).push_back(p);
    std::string names;
    for (Expr v : params) names += (names.empty() ? "" : ", ") + v.name();
    std::vector<StartPoint> points;
    for (const std::string& arg : texts) {
        for (std::string_view group : split(arg, ';')) {
            if (trim(group).empty()) continue;
            const std::vector<Assignment> items = parse_assignments(ctx, group, what);
            check_list_values(items, f, true); // data columns are not start values
            StartPoint p;
            for (const Assignment& b : items) {
                const Expr s = ctx.symbol(b.name);
                if (std::find(params.begin(), params.end(), s) == params.end()) {
                    if (is_size(s) && !b.is_vector) {
                        p.sizes.push_back(SizeBinding{s, b.value});
                        continue;
                    }
                    throw Error(fmt::format("{} gives '{}', which is not a variable of the expression ({})", what,
                                            b.name, names));
                }
            }
            auto find = [&](Expr v) -> const Assignment* {
                for (const Assignment& b : items)
                    if (b.name == v.name()) return &b;
                throw UsageError(fmt::format("{} '{}' does not give a value to '{}'", what, trim(group), v.name()));
            };
            for (Expr v : scalars) {
                const Assignment* b = find(v);
                if (b->is_vector)
                    throw Error(fmt::format("{} gives a vector to '{}', which the expression uses as a number", what,
                                            v.name()));
                p.x.push_back(b->value);
            }
            for (Expr v : vectors) {
                const Assignment* b = find(v);
                if (!b->is_vector)
                    throw Error(fmt::format("'{}' is a vector: give its start with {} '{}=[...]' (e.g. {}=[-1.2,1]*500)",
                                            v.name(), what, v.name(), v.name()));
                p.x.insert(p.x.end(), b->elements.begin(), b->elements.end());
                p.lengths.push_back(b->elements.size());
            }
            points.push_back(std::move(p));
        }
    }
    if (points.empty()) throw UsageError(fmt::format("{} needs at least one point, e.g. {} 'x=[-1.2,1]*500'", what, what));
    return points;
}

} // namespace symdiff
