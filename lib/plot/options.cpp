// The textual options pictures share between the program and the REPL: ranges and lists of
// numbers, whose values are constant expressions.
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/plot.hpp"

namespace symdiff::plot {
namespace {

std::string trimmed(std::string_view s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

double constant(Context& ctx, std::string_view text, std::string_view what) {
    Expr e;
    try {
        e = parse_expr(ctx, text);
    } catch (const Error& err) {
        throw Error(fmt::format("{}: '{}' is not a number: {}", what, text, err.what()));
    }
    if (!free_symbols(e).empty()) throw Error(fmt::format("{}: '{}' is not a constant", what, text));
    const double v = evaluate(e, {});
    if (!std::isfinite(v)) throw Error(fmt::format("{}: '{}' is not a finite number", what, text));
    return v;
}

} // namespace

std::vector<Range> parse_ranges(Context& ctx, std::string_view text, std::string_view option) {
    std::vector<Range> out;
    std::size_t b = 0;
    for (;;) {
        const std::size_t e = text.find(',', b);
        const std::string item = trimmed(text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
        const auto eq = item.find('=');
        const auto dots = item.find("..");
        if (eq == std::string::npos || dots == std::string::npos || dots < eq)
            throw Error(fmt::format("{} expects name=LOW..HIGH (e.g. x=-3..3), got '{}'", option, item));
        Range r;
        const std::string name = trimmed(item.substr(0, eq));
        if (name.empty()) throw Error(fmt::format("{} expects name=LOW..HIGH (e.g. x=-3..3), got '{}'", option, item));
        r.variable = ctx.symbol(name);
        const std::string what = fmt::format("{} {}", option, name);
        r.lo = constant(ctx, trimmed(item.substr(eq + 1, dots - eq - 1)), what);
        r.hi = constant(ctx, trimmed(item.substr(dots + 2)), what);
        if (!(r.lo < r.hi))
            throw Error(fmt::format("{}: the range {} is empty (the low end must be below the high end)", what,
                                    trimmed(item.substr(eq + 1))));
        for (const Range& o : out)
            if (o.variable == r.variable) throw Error(fmt::format("{} gives '{}' twice", option, name));
        out.push_back(r);
        if (e == std::string_view::npos) return out;
        b = e + 1;
    }
}

std::vector<double> parse_numbers(Context& ctx, std::string_view text, std::string_view option) {
    std::vector<double> out;
    std::size_t b = 0;
    for (;;) {
        const std::size_t e = text.find(',', b);
        const std::string item = trimmed(text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
        if (item.empty()) throw Error(fmt::format("{} expects numbers separated by commas, got '{}'", option, text));
        out.push_back(constant(ctx, item, option));
        if (e == std::string_view::npos) return out;
        b = e + 1;
    }
}

} // namespace symdiff::plot
