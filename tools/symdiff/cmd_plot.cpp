// `symdiff plot EXPR [EXPR...] --range x=-3..3 -o FILE`: a picture of functions of one variable
// (with derivatives, tangent lines, a grid of panels) or of one function of two (contours,
// gradient arrows, a surface), drawn by gnuplot. The picture itself is built by the library
// (symdiff/plot.hpp); this file reads the options.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common.hpp"
#include "picture.hpp"

namespace symdiff::cli {
namespace {

struct PlotOptions {
    Options common;
    std::vector<std::string> exprs;
    std::vector<std::string> ranges;
    std::vector<std::string> derivative;
    bool derivative_given = false;
    std::string tangents;
    bool grid = false;
    std::uint64_t columns = 0;
    std::uint64_t samples = 0;
    std::string contour = "lines";
    std::uint64_t levels = 15;
    bool log_levels = false, linear_levels = false;
    std::uint64_t arrows = 0;
    bool normalize = false;
    bool surface = false;
    std::string title;
    PictureOptions picture;
};

void run_plot(const PlotOptions& m) {
    Context ctx;
    std::vector<plot::Range> ranges;
    for (const std::string& r : m.ranges) {
        std::vector<plot::Range> more = plot::parse_ranges(ctx, r);
        for (const plot::Range& x : more) {
            for (const plot::Range& y : ranges)
                if (x.variable == y.variable) throw Error(fmt::format("--range gives '{}' twice", x.variable.name()));
            ranges.push_back(x);
        }
    }
    std::vector<std::string> declared;
    for (const plot::Range& r : ranges) declared.push_back(r.variable.name());
    std::vector<Expr> functions;
    for (const std::string& text : m.exprs) {
        Options o = m.common;
        o.expr = text;
        Input in = read_input(ctx, o, declared);
        Expr e = in.parsed.expr;
        if (e.is(Op::List))
            for (std::size_t i = 0; i < e.size(); ++i) functions.push_back(e[i]);
        else
            functions.push_back(e);
    }
    for (Expr f : functions)
        if (uses_loops(f) || f.is(Op::List)) throw Error("plot draws expressions of scalar variables (no sums, vectors or data)");
    plot::FunctionOptions fo;
    fo.ranges = ranges;
    if (m.derivative_given) {
        fo.derivatives = 1;
        if (!m.derivative.empty() && !m.derivative.front().empty()) {
            const std::string& d = m.derivative.front();
            if (d.empty() || d.find_first_not_of("0123456789") != std::string::npos || d.size() > 2 || std::stoi(d) < 1)
                throw UsageError(fmt::format("--derivative takes an order 1, 2, ... (at most 99), got '{}'", d));
            fo.derivatives = std::stoi(d);
        }
    }
    if (!m.tangents.empty()) fo.tangents = plot::parse_numbers(ctx, m.tangents, "--tangent");
    fo.grid = m.grid;
    fo.samples = m.samples;
    fo.contour = m.contour;
    fo.level_count = m.levels;
    if (m.log_levels) fo.log_levels = true;
    if (m.linear_levels) fo.log_levels = false;
    fo.arrows = m.arrows;
    fo.normalise = m.normalize;
    fo.surface = m.surface;
    fo.title = m.title;
    plot::Figure figure = plot::function_figure(functions, fo);
    if (m.columns) figure.columns = m.columns;
    draw_picture(figure, m.picture);
    print_line("wrote " + m.picture.path);
}

} // namespace

void register_plot(CLI::App& app) {
    auto m = std::make_shared<PlotOptions>();
    auto* cmd = add_command(app, "plot", "Draw functions, derivatives, tangents, contours and gradient fields (with gnuplot)");
    cmd->add_option("EXPR", m->exprs, "Expressions of one variable (several: one figure), or one of two variables")
        ->required();
    add_vars_option(cmd, m->common);
    cmd->add_option("--range", m->ranges, "Range of each variable, e.g. x=-3..3,y=-1..3 (default -5..5); a range of y "
                                          "for a function of x sets the y axis")
        ->type_name("x=LO..HI,...");
    cmd->add_option("--derivative", m->derivative, "Also draw the derivatives up to order N (default 1)")
        ->expected(0, 1)
        ->type_name("[N]");
    cmd->add_option("--tangent", m->tangents, "Tangent lines at these points, e.g. 0,1,2 (their equations in the legend)")
        ->type_name("X[,X...]");
    cmd->add_flag("--grid", m->grid, "One panel per function, its derivatives in the panels below it");
    add_count_option(cmd, "--columns", m->columns, "Panels per row (default: by their count)", 100);
    add_count_option(cmd, "--samples", m->samples, "Points per curve (default 400), or per side of a grid (default 100)",
                     2000);
    cmd->add_option("--contour", m->contour, "Two variables: lines, filled or none")
        ->check(CLI::IsMember({"lines", "filled", "none"}))
        ->capture_default_str();
    add_count_option(cmd, "--levels", m->levels, "Number of contour levels", 200)->capture_default_str();
    auto* lg = cmd->add_flag("--log-levels", m->log_levels, "Log-spaced levels (default: when f spans decades)");
    cmd->add_flag("--linear-levels", m->linear_levels, "Evenly spaced levels")->excludes(lg);
    add_count_option(cmd, "--arrows", m->arrows, "Gradient arrows on an N x N grid", 200);
    cmd->add_flag("--normalize", m->normalize, "Arrows of one length, coloured by |grad f| (with a colour bar)");
    cmd->add_flag("--surface", m->surface, "Two variables: a surface view beside the contours");
    cmd->add_option("--title", m->title, "Title of the figure");
    add_picture_options(cmd, m->picture, "-o,--output", "The picture: FILE.svg, FILE.png or FILE.pdf")->required();
    cmd->callback([m, cmd] {
        m->derivative_given = cmd->count("--derivative") > 0;
        check_picture_options(m->picture);
        run_plot(*m);
    });
}

} // namespace symdiff::cli
