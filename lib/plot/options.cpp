// The textual options pictures share between the program and the REPL: ranges and lists of
// numbers, whose values are constant expressions.
#include <string>

#include <fmt/format.h>

#include "symdiff/diagnostic.hpp"
#include "symdiff/plot.hpp"
#include "symdiff/values.hpp"

namespace symdiff::plot {
namespace {

double constant(Context& ctx, std::string_view text, std::string_view what) {
    return constant_value(ctx, text, what, Finite::Required);
}

} // namespace

std::vector<Range> parse_ranges(Context& ctx, std::string_view text, std::string_view option) {
    std::vector<Range> out;
    for (std::string_view part : split(text, ',')) {
        const std::string_view item = trim(part);
        const auto eq = item.find('=');
        const auto dots = item.find("..");
        if (eq == std::string_view::npos || dots == std::string_view::npos || dots < eq)
            throw Error(fmt::format("{} expects name=LOW..HIGH (e.g. x=-3..3), got '{}'", option, item));
        Range r;
        const std::string name(trim(item.substr(0, eq)));
        if (name.empty()) throw Error(fmt::format("{} expects name=LOW..HIGH (e.g. x=-3..3), got '{}'", option, item));
        r.variable = ctx.symbol(name);
        const std::string what = fmt::format("{} {}", option, name);
        r.lo = constant(ctx, trim(item.substr(eq + 1, dots - eq - 1)), what);
        r.hi = constant(ctx, trim(item.substr(dots + 2)), what);
        if (!(r.lo < r.hi))
            throw Error(fmt::format("{}: the range {} is empty (the low end must be below the high end)", what,
                                    trim(item.substr(eq + 1))));
        for (const Range& o : out)
            if (o.variable == r.variable) throw Error(fmt::format("{} gives '{}' twice", option, name));
        out.push_back(r);
    }
    return out;
}

std::vector<double> parse_numbers(Context& ctx, std::string_view text, std::string_view option) {
    std::vector<double> out;
    for (std::string_view part : split(text, ',')) {
        const std::string_view item = trim(part);
        if (item.empty()) throw Error(fmt::format("{} expects numbers separated by commas, got '{}'", option, text));
        out.push_back(constant(ctx, item, option));
    }
    return out;
}

} // namespace symdiff::plot
