// Pictures of what symdiff computes: functions and their derivatives, tangent lines, contours
// and gradient fields of f(x, y), descent paths and loss curves, data with a fitted model.
//
// A Figure describes the picture (panels of series, with labels in the expression's own
// notation); the builders below sample expressions into one; render() draws it with gnuplot,
// which it runs as a child process fed a script and data files (README "Pictures").
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff::plot {

enum class Kind : unsigned char {
    Curve,    ///< y over x, a line (NaN breaks it)
    Points,   ///< markers at (x, y)
    Tangent,  ///< a dashed line, with its point of contact marked (x[1], y[1] of three)
    Contour,  ///< level lines of a grid (and, when filled, the grid as a coloured map under them)
    Arrows,   ///< vectors from (x, y) by (u, v), coloured by c when c is not empty
    Path,     ///< a descent path: a line through (x, y), its start and end marked
    Surface,  ///< a grid as a 3-D surface
};

/// One thing drawn in a panel, with its legend entry (`title`, empty for none).
struct Series {
    Kind kind = Kind::Curve;
    std::string title;
    std::vector<double> x, y;
    /// Arrows: the vector (u, v) at (x, y) and its colour value c (empty: one colour).
    std::vector<double> u, v, c;
    /// Contour and Surface: z over the nx × ny grid spanning x0..x1, y0..y1, row after row
    /// (index j * nx + i is at x0 + i (x1 - x0)/(nx - 1), y0 + j (y1 - y0)/(ny - 1)).
    std::vector<double> z;
    std::size_t nx = 0, ny = 0;
    double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    std::vector<double> levels; ///< Contour: the levels drawn
    bool filled = false;        ///< Contour: colour the map under the lines
    bool log_colour = false;    ///< Contour filled: colour by log10 z (levels log-spaced)
    int colour = 0;             ///< 0: gnuplot's next; else 1.. from the picture's palette
    std::string start_title, end_title; ///< Path: legend entries of the start and end marks
};

struct Panel {
    std::string title, xlabel, ylabel, zlabel;
    std::optional<std::pair<double, double>> xrange, yrange;
    bool logy = false;
    bool equal_axes = false;     ///< the same scale on x and y (contour pictures)
    std::string colourbar;       ///< label of the colour bar; empty: none
    bool grid = true;
    bool zero_axes = false;      ///< the lines x = 0 and y = 0, as the tutorials draw
    bool key_below = false;      ///< the legend under the panel, off the picture (crowded panels)
    std::vector<Series> series;
};

struct Figure {
    std::string title;
    std::vector<Panel> panels;
    std::size_t columns = 0;     ///< panels per row; 0: all in one row up to 3, then a square grid
    int width = 0, height = 0;   ///< pixels (points for PDF); 0: from the panel count
};

/// The file formats and the terminal's own renderings.
enum class Output : unsigned char { Svg, Png, Pdf, Text, Sixel };

/// The format a file name asks for by its extension (.svg, .png, .pdf, any case), or nothing.
std::optional<Output> output_for_path(std::string_view path);

struct RenderOptions {
    Output output = Output::Svg;
    /// The picture's file (Svg, Png, Pdf). Text and Sixel are returned by render() instead.
    std::string path;
    /// Keep the gnuplot script (plot.gp) and its data files in this directory (created if
    /// missing), so that the picture can be restyled; empty: a temporary directory, removed.
    std::string data_dir;
    int text_columns = 80, text_rows = 25; ///< Text: the terminal's size
    double timeout_seconds = 60;           ///< gnuplot is killed after this long
};

/// The gnuplot program render() runs: $SYMDIFF_GNUPLOT when set (a path, or a name looked up
/// on PATH), else `gnuplot` on PATH. Throws symdiff::Error naming what to install when there
/// is none.
std::string gnuplot_program();

/// The gnuplot script of a figure, reading its data from files named data_<panel>_<series>
/// .dat in the current directory (and writing contour tables beside them).
std::string gnuplot_script(const Figure& figure, const RenderOptions& options);

/// Draws the figure with gnuplot. Returns gnuplot's output for Text and Sixel (what to print
/// to the terminal), "" for files. Throws symdiff::Error if gnuplot is missing, fails (its
/// messages included), or takes longer than the timeout (it is then killed), and for a
/// picture it cannot write.
std::string render(const Figure& figure, const RenderOptions& options);

// --- building figures from expressions

/// f at many points through the batch evaluation (batch.hpp, the JIT from 20,000 points on):
/// `inputs` values per point, points row after row; returns outputs × points values, row
/// after row. Errors are symdiff::Error (an unbound symbol, ...).
std::vector<double> evaluate_many(std::span<const Expr> outputs, std::span<const Expr> inputs,
                                  std::span<const double> points);

/// `count` levels from lo to hi, log-spaced (lo > 0) or evenly spaced.
std::vector<double> levels(double lo, double hi, std::size_t count, bool log_spaced);

/// True if the positive values of f over a grid span so many decades that evenly spaced
/// levels would crowd into one corner (the tutorials use log levels for Rosenbrock).
bool wide_range(std::span<const double> z);

/// Keeps at most about `max_points` of a 2-D path without losing its shape: the first and last
/// points always, then Ramer–Douglas–Peucker with the tolerance that keeps that many.
/// Returns the indices kept, in order.
std::vector<std::size_t> thin_path(std::span<const double> x, std::span<const double> y, std::size_t max_points);

/// A range of one variable, `x=-3..3`.
struct Range {
    Expr variable;
    double lo = 0, hi = 0;
};

/// `x=-3..3,y=-1..3` (ends are constant expressions: `t=0..2pi`). Throws symdiff::Error
/// naming `option` for a malformed item, an empty range or a name given twice.
std::vector<Range> parse_ranges(Context& ctx, std::string_view text, std::string_view option = "--range");

/// `0,1,pi/2`: numbers given to `option`, each a constant expression. Throws symdiff::Error.
std::vector<double> parse_numbers(Context& ctx, std::string_view text, std::string_view option);

/// How the 1-D and 2-D pictures of `symdiff plot` are made.
struct FunctionOptions {
    std::vector<Range> ranges;      ///< one per variable; a range of y for a function of x sets the y axis
    int derivatives = 0;            ///< draw f', f'', ... up to this order
    std::vector<double> tangents;   ///< tangent lines at these x
    bool grid = false;              ///< one panel per function (with its derivatives below it)
    std::size_t samples = 0;        ///< points per curve (0: 400) or per grid side (0: 100)
    // Two variables:
    std::string contour = "lines";  ///< lines, filled or none
    std::size_t level_count = 15;
    std::optional<bool> log_levels; ///< default: wide_range()
    std::size_t arrows = 0;         ///< gradient arrows on an arrows × arrows grid (0: none)
    bool normalise = false;         ///< arrows of one length, coloured by |∇f|
    bool surface = false;           ///< a surface view beside the contours
    std::string title;
};

/// The picture of `symdiff plot`: functions of one variable (curves, derivatives, tangents,
/// a grid of panels) or one function of two (contours, gradient arrows, surface). `names`
/// are the expressions as the user wrote them, for the legend; labels print in Unicode.
/// Throws symdiff::Error for a function of more than two variables, a variable without a
/// range, a tangent point outside the range, and the like.
Figure function_figure(std::span<const Expr> functions, const FunctionOptions& options);

/// One run of an optimiser, for descent paths and loss curves.
struct RunPath {
    std::string label;              ///< `lr = 0.001`, `adam`
    std::vector<double> step;       ///< the step of each point kept
    std::vector<std::vector<double>> x; ///< the point at each kept step
    std::vector<double> f;          ///< f at each kept step
};

/// Keeps a bounded part of a long run as it goes: every point while there are few, then every
/// second, fourth, ... so that memory stays below 2 × `keep` points for a run of any length;
/// the last point is always added by finish().
class PathRecorder {
public:
    explicit PathRecorder(std::string label, std::size_t keep = 4096) : keep_(keep) { run_.label = std::move(label); }
    void add(std::size_t step, std::span<const double> x, double f);
    RunPath finish(std::size_t step, std::span<const double> x, double f);

private:
    RunPath run_;
    std::size_t keep_, stride_ = 1;
};

/// The picture of `minimize --plot`: for a function of one or two variables, the runs' paths
/// over its curve or contours (start and end marked, each path thinned to a few hundred
/// points); beside it the loss curves, one line per run (log scale when f spans decades).
/// `vars` are the variables in the order of RunPath::x.
Figure descent_figure(Expr f, std::span<const Expr> vars, std::span<const RunPath> runs,
                      std::optional<std::pair<Range, Range>> view = {});

/// The model and the target column of a loss of the two shapes the tutorials fit: a squared
/// error, `mean((MODEL - y)^2)` (or `(y - MODEL)^2`, or `sum`, times any constant), and a
/// cross-entropy, `-mean(y*ln(MODEL) + (1 - y)*ln(1 - MODEL))`, where y is one of `columns`.
/// Nothing for another loss (`fit --model` then names the model).
std::optional<std::pair<Expr, Expr>> model_of_loss(Context& ctx, Expr loss, std::span<const std::string> columns);

/// The picture of `fit --plot`: the data as points with the fitted model. One input column:
/// the model as a curve over the data's range; two: the points coloured by their target and
/// the model's level `boundary` (0.5 for a classifier) as a line. `model` is an expression
/// of the input columns (its parameters already replaced by the fitted values). A loss curve
/// (the loss after each epoch) is drawn in a panel beside it. `model_text` is the model as
/// the legend shows it (default: printed in Unicode).
Figure fit_figure(Expr model, std::span<const Expr> inputs, std::span<const std::vector<double>> columns,
                  std::span<const double> target, std::string_view target_name, double boundary,
                  std::string_view title, std::span<const double> loss_curve = {},
                  std::string_view model_text = {});

} // namespace symdiff::plot
