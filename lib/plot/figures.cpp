// The pictures of `symdiff plot`, `minimize --plot` and `fit --plot`: expressions sampled into
// Figures (plot.hpp), and the helpers they share (levels, path thinning).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "symdiff/batch.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/diff.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/plot.hpp"
#include "symdiff/print.hpp"

namespace symdiff::plot {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string unicode(Expr e) { return to_string(e, Format::Unicode); }

// Legend entries stay readable: a long expression is cut (at a character boundary of UTF-8).
std::string shortened(std::string s, std::size_t max = 60) {
    if (s.size() <= max) return s;
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return s.substr(0, cut) + "…";
}

std::string primes(int k) {
    switch (k) {
    case 1: return "′";
    case 2: return "″";
    case 3: return "‴";
    default: return fmt::format("⁽{}⁾", k);
    }
}

// How a number appears in a legend: short, with a Unicode minus.
std::string short_number(double v) {
    std::string s = fmt::format("{:.4g}", v);
    if (s == "-0") s = "0";
    if (!s.empty() && s[0] == '-') s = "−" + s.substr(1);
    return s;
}

// y = m·x + b, as a legend writes it.
std::string line_equation(std::string_view x, double m, double b) {
    std::string s = "y = ";
    if (m != 0) s += (m == 1 ? "" : m == -1 ? "−" : short_number(m) + "·") + std::string(x);
    if (b != 0 || m == 0) {
        if (m == 0) s += short_number(b);
        else s += (b < 0 ? " − " : " + ") + short_number(std::fabs(b));
    }
    return s;
}

double lerp(double lo, double hi, std::size_t i, std::size_t n) {
    return n > 1 ? lo + (hi - lo) * double(i) / double(n - 1) : lo;
}

// A y range that keeps a curve with a pole (1/x, tan x) readable: the middle 96% of the
// values, widened, when the extremes lie far outside it; nothing when the values are tame.
std::optional<std::pair<double, double>> robust_yrange(const std::vector<double>& values) {
    std::vector<double> v;
    for (double y : values)
        if (std::isfinite(y)) v.push_back(y);
    if (v.size() < 10) return std::nullopt;
    std::sort(v.begin(), v.end());
    const double lo = v[v.size() * 2 / 100], hi = v[v.size() * 98 / 100 - 1];
    const double span = hi - lo;
    if (!(span > 0) || v.back() - v.front() <= 20 * span) return std::nullopt;
    return std::make_pair(lo - 0.5 * span, hi + 0.5 * span);
}

const Range* find_range(std::span<const Range> ranges, Expr v) {
    for (const Range& r : ranges)
        if (r.variable == v) return &r;
    return nullptr;
}

std::vector<Expr> variables_of(std::span<const Expr> functions) {
    std::vector<Expr> vars;
    for (Expr f : functions)
        for (Expr s : free_symbols(f))
            if (std::find(vars.begin(), vars.end(), s) == vars.end()) vars.push_back(s);
    return vars;
}

Series grid_series(Expr f, Expr x, Expr y, double x0, double x1, double y0, double y1, std::size_t n) {
    Series s;
    s.nx = s.ny = n;
    s.x0 = x0, s.x1 = x1, s.y0 = y0, s.y1 = y1;
    std::vector<double> pts;
    pts.reserve(2 * n * n);
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < n; ++i) {
            pts.push_back(lerp(x0, x1, i, n));
            pts.push_back(lerp(y0, y1, j, n));
        }
    const Expr outs[] = {f};
    const Expr ins[] = {x, y};
    s.z = evaluate_many(outs, ins, pts);
    return s;
}

// Contour levels for a grid: log-spaced when asked or when its values span decades.
void set_levels(Series& s, std::size_t count, std::optional<bool> log_levels) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, min_pos = lo;
    for (double z : s.z) {
        if (!std::isfinite(z)) continue;
        lo = std::min(lo, z);
        hi = std::max(hi, z);
        if (z > 0) min_pos = std::min(min_pos, z);
    }
    if (!(hi >= lo)) return; // nothing finite
    const bool log = log_levels ? *log_levels && hi > 0 : wide_range(s.z);
    if (log) {
        const double bottom = std::max(min_pos, hi * 1e-4);
        s.levels = levels(bottom, hi, count, true);
        s.log_colour = true;
    } else if (hi > lo) {
        for (std::size_t k = 0; k < count; ++k) s.levels.push_back(lo + (hi - lo) * (double(k) + 0.5) / double(count));
    }
}

// The colours of runs, the same in the path and loss panels: red, orange, pink, brown, green
// and purple stand out on viridis contours, whose low levels are blue.
int run_colour(int k) {
    static constexpr int kRuns[] = {2, 4, 7, 6, 3, 5, 8, 10};
    return kRuns[static_cast<std::size_t>(k) % (sizeof kRuns / sizeof kRuns[0])];
}

std::pair<double, double> padded(double lo, double hi, double frac) {
    double span = hi - lo;
    if (!(span > 0)) span = std::max(1.0, std::fabs(lo));
    return {lo - frac * span, hi + frac * span};
}

} // namespace

std::vector<double> evaluate_many(std::span<const Expr> outputs, std::span<const Expr> inputs,
                                  std::span<const double> points) {
    const std::size_t n_in = inputs.size(), n_out = outputs.size();
    const std::size_t rows = n_in ? points.size() / n_in : 0;
    // The batch evaluation reads columns and writes columns: the points are transposed in and
    // the values out (a few hundred thousand numbers at most, next to gnuplot's work).
    BatchOptions options;
    options.expected_rows = rows;
    const BatchKernel kernel(outputs, inputs, options);
    std::vector<double> in(points.size()), values(rows * n_out);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t k = 0; k < n_in; ++k) in[k * rows + r] = points[r * n_in + k];
    std::vector<const double*> in_cols;
    std::vector<double*> out_cols;
    for (std::size_t k = 0; k < n_in; ++k) in_cols.push_back(in.data() + k * rows);
    for (std::size_t k = 0; k < n_out; ++k) out_cols.push_back(values.data() + k * rows);
    kernel.run(rows, in_cols, out_cols);
    std::vector<double> out(rows * n_out);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t k = 0; k < n_out; ++k) out[r * n_out + k] = values[k * rows + r];
    return out;
}

std::vector<double> levels(double lo, double hi, std::size_t count, bool log_spaced) {
    std::vector<double> out;
    if (count == 0) return out;
    if (count == 1) return {log_spaced ? std::sqrt(lo * hi) : (lo + hi) / 2};
    for (std::size_t k = 0; k < count; ++k) {
        const double t = double(k) / double(count - 1);
        out.push_back(log_spaced ? std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))) : lo + t * (hi - lo));
    }
    return out;
}

bool wide_range(std::span<const double> z) {
    double min_pos = std::numeric_limits<double>::infinity(), hi = 0;
    std::vector<double> pos;
    for (double v : z) {
        if (!std::isfinite(v)) continue;
        if (v < 0) return false;
        if (v > 0) pos.push_back(v);
        hi = std::max(hi, v);
    }
    if (pos.size() < 4) return false;
    // The lowest tenth decides: with evenly spaced levels, a tenth of the picture (the valley,
    // where a descent goes) would lie below the first level when its values are under a
    // hundredth of the maximum.
    std::nth_element(pos.begin(), pos.begin() + pos.size() / 10, pos.end());
    min_pos = pos[pos.size() / 10];
    return hi / min_pos > 100;
}

std::vector<std::size_t> thin_path(std::span<const double> x, std::span<const double> y, std::size_t max_points) {
    const std::size_t n = std::min(x.size(), y.size());
    std::vector<std::size_t> all(n);
    std::iota(all.begin(), all.end(), std::size_t{0});
    if (n <= std::max<std::size_t>(max_points, 2)) return all;
    // The distance of each point from the chord of its segment, found once by the recursion of
    // Ramer–Douglas–Peucker; keeping the points whose distance is above a tolerance is then the
    // RDP result for that tolerance, and the tolerance is the one that keeps max_points.
    std::vector<double> weight(n, 0.0);
    weight[0] = weight[n - 1] = std::numeric_limits<double>::infinity();
    std::vector<std::pair<std::size_t, std::size_t>> stack{{0, n - 1}};
    // Coordinates scaled by the path's extent, so that x and y count alike.
    double xl = x[0], xh = x[0], yl = y[0], yh = y[0];
    for (std::size_t i = 0; i < n; ++i) {
        xl = std::min(xl, x[i]), xh = std::max(xh, x[i]), yl = std::min(yl, y[i]), yh = std::max(yh, y[i]);
    }
    const double sx = xh > xl ? 1 / (xh - xl) : 1, sy = yh > yl ? 1 / (yh - yl) : 1;
    while (!stack.empty()) {
        const auto [a, b] = stack.back();
        stack.pop_back();
        if (b <= a + 1) continue;
        const double ax = x[a] * sx, ay = y[a] * sy, bx = x[b] * sx, by = y[b] * sy;
        const double dx = bx - ax, dy = by - ay, len = std::hypot(dx, dy);
        double best = -1;
        std::size_t at = a + 1;
        for (std::size_t i = a + 1; i < b; ++i) {
            const double px = x[i] * sx - ax, py = y[i] * sy - ay;
            double d = len > 0 ? std::fabs(dx * py - dy * px) / len : std::hypot(px, py);
            if (!std::isfinite(d)) d = std::numeric_limits<double>::max();
            if (d > best) best = d, at = i;
        }
        weight[at] = best;
        stack.push_back({a, at});
        stack.push_back({at, b});
    }
    // A point split off deeper in the recursion may weigh more than its parent, so keeping the
    // heaviest points is a little different from one RDP run with a tolerance; for a picture it
    // draws the same shape, and it keeps the count exact.
    std::vector<std::size_t> inner(n - 2);
    std::iota(inner.begin(), inner.end(), std::size_t{1});
    const std::size_t want = std::max<std::size_t>(max_points, 2) - 2;
    std::nth_element(inner.begin(), inner.begin() + static_cast<std::ptrdiff_t>(want), inner.end(),
                     [&](std::size_t a, std::size_t b) { return weight[a] > weight[b]; });
    std::vector<std::size_t> kept(inner.begin(), inner.begin() + static_cast<std::ptrdiff_t>(want));
    kept.push_back(0);
    kept.push_back(n - 1);
    std::sort(kept.begin(), kept.end());
    return kept;
}

void PathRecorder::add(std::size_t step, std::span<const double> x, double f) {
    if (step % stride_ != 0) return;
    run_.step.push_back(double(step));
    run_.x.emplace_back(x.begin(), x.end());
    run_.f.push_back(f);
    if (run_.step.size() >= 2 * keep_) {
        // Every second point goes: what is left is every (2 stride)-th step.
        std::size_t w = 0;
        for (std::size_t r = 0; r < run_.step.size(); r += 2, ++w) {
            if (w == r) continue; // a vector moved onto itself would be left empty
            run_.step[w] = run_.step[r];
            run_.x[w] = std::move(run_.x[r]);
            run_.f[w] = run_.f[r];
        }
        run_.step.resize(w);
        run_.x.resize(w);
        run_.f.resize(w);
        stride_ *= 2;
    }
}

RunPath PathRecorder::finish(std::size_t step, std::span<const double> x, double f) {
    if (run_.step.empty() || run_.step.back() != double(step)) {
        run_.step.push_back(double(step));
        run_.x.emplace_back(x.begin(), x.end());
        run_.f.push_back(f);
    }
    return std::move(run_);
}

Figure function_figure(std::span<const Expr> functions, const FunctionOptions& o) {
    if (functions.empty()) throw Error("nothing to plot: give an expression");
    const std::vector<Expr> vars = variables_of(functions);
    for (const Range& r : o.ranges)
        if (!(r.lo < r.hi) || !std::isfinite(r.lo) || !std::isfinite(r.hi))
            throw Error(fmt::format("--range {}: the low end must be below the high end", r.variable.name()));
    Figure fig;
    fig.title = o.title;
    if (vars.size() > 2)
        throw Error(fmt::format("plot draws functions of one or two variables; these have {} ({})", vars.size(),
                                [&] {
                                    std::string s;
                                    for (Expr v : vars) s += (s.empty() ? "" : ", ") + v.name();
                                    return s;
                                }()));
    if (vars.size() == 2) {
        if (functions.size() > 1)
            throw Error("a function of two variables is drawn alone: give one expression");
        // The axes in the order of --range, else of the names.
        Expr x = vars[0], y = vars[1];
        const Range* rx = find_range(o.ranges, x);
        const Range* ry = find_range(o.ranges, y);
        if (!o.ranges.empty() && o.ranges.front().variable == y) std::swap(x, y), std::swap(rx, ry);
        else if (o.ranges.empty() && y.name() < x.name()) std::swap(x, y), std::swap(rx, ry);
        const double x0 = rx ? rx->lo : -5, x1 = rx ? rx->hi : 5, y0 = ry ? ry->lo : -5, y1 = ry ? ry->hi : 5;
        const Expr f = functions[0];
        Panel p;
        p.title = shortened("f(" + x.name() + ", " + y.name() + ") = " + unicode(f), 90);
        p.xlabel = x.name();
        p.ylabel = y.name();
        p.xrange = {x0, x1};
        p.yrange = {y0, y1};
        const std::size_t n = o.samples ? o.samples : 100;
        if (o.contour != "none") {
            Series s = grid_series(f, x, y, x0, x1, y0, y1, n);
            s.kind = Kind::Contour;
            s.filled = o.contour == "filled";
            set_levels(s, o.level_count, o.log_levels);
            s.title = s.levels.empty() ? "" : fmt::format("{} levels of f{}", s.levels.size(), s.log_colour ? " (log-spaced)" : "");
            if (!s.filled) s.title = s.levels.empty() ? "" : s.title;
            p.colourbar = s.log_colour ? "log₁₀ f" : "f";
            p.series.push_back(std::move(s));
        }
        if (o.arrows > 0) {
            const std::vector<Expr> g = gradient(f, std::vector<Expr>{x, y});
            const std::size_t m = o.arrows;
            const double dx = (x1 - x0) / double(m), dy = (y1 - y0) / double(m);
            std::vector<double> pts;
            Series a;
            a.kind = Kind::Arrows;
            for (std::size_t j = 0; j < m; ++j)
                for (std::size_t i = 0; i < m; ++i) {
                    a.x.push_back(x0 + dx * (double(i) + 0.5));
                    a.y.push_back(y0 + dy * (double(j) + 0.5));
                    pts.push_back(a.x.back());
                    pts.push_back(a.y.back());
                }
            const std::vector<double> gv = evaluate_many(g, std::vector<Expr>{x, y}, pts);
            double biggest = 0;
            for (std::size_t k = 0; k < m * m; ++k) {
                const double len = std::hypot(gv[2 * k], gv[2 * k + 1]);
                if (std::isfinite(len)) biggest = std::max(biggest, len);
            }
            const double cell = 0.85 * std::min(dx, dy);
            for (std::size_t k = 0; k < m * m; ++k) {
                const double gx = gv[2 * k], gy = gv[2 * k + 1], len = std::hypot(gx, gy);
                const bool ok = std::isfinite(len) && len > 0;
                const double scale = !ok ? 0 : o.normalise ? cell / len : biggest > 0 ? cell / biggest : 0;
                a.u.push_back(ok ? gx * scale : kNaN);
                a.v.push_back(ok ? gy * scale : kNaN);
                // Centred on its sample point, an arrow stays inside its cell (and the picture).
                if (ok) a.x[k] -= a.u[k] / 2, a.y[k] -= a.v[k] / 2;
                if (o.normalise) a.c.push_back(len);
            }
            a.colour = 2;
            a.title = o.normalise ? "∇f (direction; colour: |∇f|)" : "∇f (to scale)";
            if (o.normalise) p.colourbar = "|∇f|";
            p.equal_axes = true;
            p.series.push_back(std::move(a));
        }
        fig.panels.push_back(std::move(p));
        if (o.surface) {
            Panel sp;
            sp.title = "surface of f";
            sp.xlabel = x.name();
            sp.ylabel = y.name();
            sp.zlabel = "f";
            Series s = grid_series(f, x, y, x0, x1, y0, y1, std::min<std::size_t>(n, 40));
            s.kind = Kind::Surface;
            s.log_colour = false;
            s.title = "";
            sp.series.push_back(std::move(s));
            fig.panels.push_back(std::move(sp));
        }
        return fig;
    }

    // Functions of one variable (or constants), all over the same x.
    Expr x = vars.empty() ? Expr() : vars[0];
    const Range* rx = !x.is_null() ? find_range(o.ranges, x) : (o.ranges.empty() ? nullptr : &o.ranges.front());
    if (x.is_null() && rx) x = rx->variable;
    const std::string xname = !x.is_null() ? x.name() : "x";
    const double x0 = rx ? rx->lo : -5, x1 = rx ? rx->hi : 5;
    std::optional<std::pair<double, double>> yrange;
    for (const Range& r : o.ranges)
        if (x.is_null() || !(r.variable == x)) yrange = std::make_pair(r.lo, r.hi);
    for (double t : o.tangents)
        if (!(t >= x0 && t <= x1))
            throw Error(fmt::format("--tangent {}: the point is outside the range {}={}..{}", short_number(t), xname,
                                    short_number(x0), short_number(x1)));
    if (o.derivatives > 0 && x.is_null()) throw Error("--derivative: the expression has no variable to differentiate by");
    const std::size_t n = o.samples ? o.samples : 400;
    std::vector<double> xs(n);
    for (std::size_t i = 0; i < n; ++i) xs[i] = lerp(x0, x1, i, n);
    const std::vector<Expr> ins = !x.is_null() ? std::vector<Expr>{x} : std::vector<Expr>{};
    auto sample = [&](Expr e) {
        const Expr outs[] = {e};
        if (x.is_null()) return std::vector<double>(n, evaluate(e, {}));
        return evaluate_many(outs, ins, xs);
    };
    auto at = [&](Expr e, double v) {
        const Expr outs[] = {e};
        if (x.is_null()) return evaluate(e, {});
        const double pt[] = {v};
        return evaluate_many(outs, ins, pt)[0];
    };
    const std::size_t rows = o.grid ? 1 + static_cast<std::size_t>(std::max(0, o.derivatives)) : 1;
    const std::size_t cols = o.grid ? functions.size() : 1;
    fig.panels.resize(rows * cols);
    fig.columns = cols;
    std::vector<std::vector<double>> shown(fig.panels.size());
    for (std::size_t fi = 0; fi < functions.size(); ++fi) {
        const Expr f = functions[fi];
        const std::string name = unicode(f);
        for (int k = 0; k <= o.derivatives; ++k) {
            const Expr d = k == 0 ? f : diff(f, x, k);
            Series s;
            s.kind = Kind::Curve;
            s.x = xs;
            s.y = sample(d);
            if (k == 0) s.title = shortened(name);
            else s.title = shortened((functions.size() > 1 || o.grid ? "(" + name + ")" : std::string("f")) + primes(k) +
                                     " = " + unicode(d));
            const std::size_t pi = o.grid ? static_cast<std::size_t>(k) * cols + fi : 0;
            s.colour = static_cast<int>(o.grid ? (k == 0 ? 1 : 2) : fi * (o.derivatives + 1) + k + 1);
            Panel& p = fig.panels[pi];
            if (p.title.empty() && o.grid) p.title = k == 0 ? shortened(name, 40) : shortened(name, 34) + ": " + (k == 1 ? "derivative" : fmt::format("derivative {}", k));
            shown[pi].insert(shown[pi].end(), s.y.begin(), s.y.end());
            p.series.push_back(std::move(s));
        }
        if (!o.tangents.empty()) {
            const Expr d = diff(f, x, 1);
            Panel& p = fig.panels[o.grid ? fi : 0];
            int colour = static_cast<int>(functions.size() * (o.derivatives + 1)) + 1;
            for (double t : o.tangents) {
                const double fv = at(f, t), m = at(d, t);
                const double half = (x1 - x0) / 6;
                Series s;
                s.kind = Kind::Tangent;
                const double a = std::max(x0, t - half), b = std::min(x1, t + half);
                s.x = {a, t, b};
                s.y = {fv + m * (a - t), fv, fv + m * (b - t)};
                s.title = shortened((functions.size() > 1 ? name + ": " : std::string()) + "tangent at " + xname + " = " +
                                    short_number(t) + ": " + line_equation(xname, m, fv - m * t));
                s.colour = colour++;
                p.series.push_back(std::move(s));
            }
        }
    }
    for (std::size_t pi = 0; pi < fig.panels.size(); ++pi) {
        Panel& p = fig.panels[pi];
        p.xlabel = xname;
        p.xrange = {x0, x1};
        p.zero_axes = true;
        p.yrange = yrange ? yrange : robust_yrange(shown[pi]);
        if (!o.grid) {
            p.ylabel = functions.size() == 1 ? "f(" + xname + ")" : "";
            if (p.title.empty() && functions.size() == 1 && o.derivatives == 0 && o.tangents.empty())
                p.title = shortened("f(" + xname + ") = " + unicode(functions[0]), 90);
        }
    }
    return fig;
}

Figure descent_figure(Expr f, std::span<const Expr> vars, std::span<const RunPath> runs,
                      std::optional<std::pair<Range, Range>> view) {
    Figure fig;
    const std::size_t n = vars.size();
    // The part of the picture the runs went through: points where f stayed within reach of
    // its start values (a diverging run's last points would squash the rest).
    double f_start = 0;
    for (const RunPath& r : runs)
        if (!r.f.empty() && std::isfinite(r.f[0])) f_start = std::max(f_start, std::fabs(r.f[0]));
    const double f_cap = 10 * f_start + 1;
    auto usable = [&](const RunPath& r, std::size_t i) {
        if (!std::isfinite(r.f[i]) || std::fabs(r.f[i]) > f_cap) return false;
        for (double v : r.x[i])
            if (!std::isfinite(v)) return false;
        return true;
    };
    if (n == 1 || n == 2) {
        double lo[2] = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
        double hi[2] = {-lo[0], -lo[1]};
        for (const RunPath& r : runs)
            for (std::size_t i = 0; i < r.x.size(); ++i)
                if (usable(r, i))
                    for (std::size_t d = 0; d < n; ++d) lo[d] = std::min(lo[d], r.x[i][d]), hi[d] = std::max(hi[d], r.x[i][d]);
        for (std::size_t d = 0; d < n; ++d) {
            if (!(hi[d] >= lo[d])) lo[d] = -1, hi[d] = 1;
            std::tie(lo[d], hi[d]) = padded(lo[d], hi[d], 0.15);
        }
        if (view) {
            lo[0] = view->first.lo, hi[0] = view->first.hi;
            if (n == 2) lo[1] = view->second.lo, hi[1] = view->second.hi;
        }
        Panel p;
        p.xlabel = vars[0].name();
        p.xrange = {lo[0], hi[0]};
        if (n == 2) {
            p.ylabel = vars[1].name();
            p.yrange = {lo[1], hi[1]};
            Series s = grid_series(f, vars[0], vars[1], lo[0], hi[0], lo[1], hi[1], 120);
            s.kind = Kind::Contour;
            set_levels(s, 20, std::nullopt);
            s.title = s.levels.empty() ? "" : fmt::format("levels of f{}", s.log_colour ? " (log-spaced)" : "");
            p.colourbar = s.log_colour ? "log₁₀ f" : "f";
            p.series.push_back(std::move(s));
        } else {
            p.ylabel = "f(" + vars[0].name() + ")";
            Series s;
            s.kind = Kind::Curve;
            const std::size_t m = 400;
            for (std::size_t i = 0; i < m; ++i) s.x.push_back(lerp(lo[0], hi[0], i, m));
            const Expr outs[] = {f};
            s.y = evaluate_many(outs, vars, s.x);
            s.title = shortened("f = " + unicode(f));
            s.colour = 9;
            p.series.push_back(std::move(s));
        }
        p.title = shortened("descent on f = " + unicode(f), 80);
        p.key_below = true;
        int colour = 0;
        for (const RunPath& r : runs) {
            std::vector<double> px, py;
            for (std::size_t i = 0; i < r.x.size(); ++i) {
                if (!usable(r, i)) break;
                px.push_back(r.x[i][0]);
                py.push_back(n == 2 ? r.x[i][1] : r.f[i]);
            }
            if (px.empty()) continue;
            Series s;
            s.kind = Kind::Path;
            for (std::size_t i : thin_path(px, py, 400)) {
                s.x.push_back(px[i]);
                s.y.push_back(py[i]);
            }
            auto where = [&](std::size_t i) {
                return n == 2 ? fmt::format("({}, {})", short_number(px[i]), short_number(py[i])) : short_number(px[i]);
            };
            s.title = r.label + fmt::format(" ({} steps)", static_cast<long long>(r.step.back()));
            s.start_title = runs.size() == 1 ? "start " + where(0) : "";
            s.end_title = runs.size() == 1 ? "end " + where(px.size() - 1) : "";
            s.colour = run_colour(colour++);
            p.series.push_back(std::move(s));
        }
        fig.panels.push_back(std::move(p));
    }
    Panel loss;
    loss.title = "f at each step";
    loss.xlabel = "step";
    loss.key_below = true; // inside, a key would hide the runs that stay near their start
    loss.ylabel = "f";
    bool positive = true;
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    int colour = 0;
    for (const RunPath& r : runs) {
        Series s;
        s.kind = Kind::Curve;
        for (std::size_t i = 0; i < r.f.size(); ++i) {
            if (!std::isfinite(r.f[i])) break;
            s.x.push_back(r.step[i]);
            s.y.push_back(r.f[i]);
            positive = positive && r.f[i] >= 0;
            if (r.f[i] > 0) lo = std::min(lo, r.f[i]);
            hi = std::max(hi, r.f[i]);
        }
        s.title = r.label;
        s.colour = run_colour(colour++);
        loss.series.push_back(std::move(s));
    }
    // Log scale when f stays at or above 0 and spans decades (the tutorials' semilogy); a run
    // that reaches 0 exactly ends its line there.
    loss.logy = positive && hi > 0 && hi / lo > 100;
    if (loss.logy)
        for (Series& s : loss.series)
            for (double& y : s.y)
                if (y <= 0) y = kNaN;
    if (!fig.panels.empty()) fig.height = 520; // room for the legend under the paths
    if (loss.logy) loss.ylabel = "f (log scale)";
    fig.panels.push_back(std::move(loss));
    return fig;
}

Figure fit_figure(Expr model, std::span<const Expr> inputs, std::span<const std::vector<double>> columns,
                  std::span<const double> target, std::string_view target_name, double boundary,
                  std::string_view title, std::span<const double> loss_curve, std::string_view model_text) {
    Figure fig;
    Panel p;
    p.title = std::string(title);
    p.key_below = true;
    fig.height = 540; // room for the legend under the data
    const std::string shown = model_text.empty() ? unicode(model) : std::string(model_text);
    if (inputs.size() == 1) {
        const std::vector<double>& xs = columns[0];
        Series d;
        d.kind = Kind::Points;
        d.x = xs;
        d.y.assign(target.begin(), target.end());
        d.title = fmt::format("data ({} rows)", xs.size());
        d.colour = 1;
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (double v : xs)
            if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
        std::tie(lo, hi) = padded(lo, hi, 0.05);
        Series c;
        c.kind = Kind::Curve;
        const std::size_t m = 400;
        for (std::size_t i = 0; i < m; ++i) c.x.push_back(lerp(lo, hi, i, m));
        const Expr outs[] = {model};
        c.y = evaluate_many(outs, inputs, c.x);
        c.title = shortened("fit: " + std::string(target_name) + " = " + shown, 80);
        c.colour = 2;
        p.xlabel = inputs[0].name();
        p.ylabel = std::string(target_name);
        p.xrange = {lo, hi};
        p.series.push_back(std::move(d));
        p.series.push_back(std::move(c));
    } else if (inputs.size() == 2) {
        Series below, above;
        below.kind = above.kind = Kind::Points;
        double lo[2] = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
        double hi[2] = {-lo[0], -lo[1]};
        for (std::size_t i = 0; i < target.size(); ++i) {
            Series& s = target[i] > boundary ? above : below;
            s.x.push_back(columns[0][i]);
            s.y.push_back(columns[1][i]);
            for (int d = 0; d < 2; ++d)
                if (std::isfinite(columns[d][i])) lo[d] = std::min(lo[d], columns[d][i]), hi[d] = std::max(hi[d], columns[d][i]);
        }
        for (int d = 0; d < 2; ++d) std::tie(lo[d], hi[d]) = padded(lo[d], hi[d], 0.05);
        const bool classes = std::all_of(target.begin(), target.end(), [](double v) { return v == 0 || v == 1; });
        below.title = classes ? fmt::format("{} = 0 ({} rows)", target_name, below.x.size())
                              : fmt::format("{} ≤ {} ({} rows)", target_name, short_number(boundary), below.x.size());
        above.title = classes ? fmt::format("{} = 1 ({} rows)", target_name, above.x.size())
                              : fmt::format("{} > {} ({} rows)", target_name, short_number(boundary), above.x.size());
        below.colour = 1;
        above.colour = 2;
        Series b = grid_series(model, inputs[0], inputs[1], lo[0], hi[0], lo[1], hi[1], 150);
        b.kind = Kind::Contour;
        b.levels = {boundary};
        // A long model would push the legend past its panel, so it keeps only its outer
        // function there (sigmoid(…)); the panel's title gives the parameters.
        std::string named = shown;
        if (named.size() > 28) {
            const std::size_t open = named.find('(');
            named = open != std::string::npos && named.back() == ')' ? named.substr(0, open) + "(…)" : "the model";
        }
        b.title = named + " = " + short_number(boundary) + " (decision boundary)";
        p.xlabel = inputs[0].name();
        p.ylabel = inputs[1].name();
        p.xrange = {lo[0], hi[0]};
        p.yrange = {lo[1], hi[1]};
        p.series.push_back(std::move(b));
        p.series.push_back(std::move(below));
        p.series.push_back(std::move(above));
    } else {
        throw Error(fmt::format("fit --plot draws a model of one or two input columns; this one has {}", inputs.size()));
    }
    fig.panels.push_back(std::move(p));
    if (!loss_curve.empty()) {
        Panel loss;
        loss.title = "loss after each epoch";
        loss.xlabel = "epoch";
        loss.key_below = true;
        loss.ylabel = "loss";
        Series c;
        c.kind = Kind::Curve;
        bool positive = true;
        double lo = std::numeric_limits<double>::infinity(), hi = 0;
        for (std::size_t i = 0; i < loss_curve.size(); ++i) {
            c.x.push_back(double(i));
            c.y.push_back(loss_curve[i]);
            positive = positive && loss_curve[i] > 0;
            if (std::isfinite(loss_curve[i])) lo = std::min(lo, loss_curve[i]), hi = std::max(hi, loss_curve[i]);
        }
        c.title = "loss";
        c.colour = 2;
        loss.logy = positive && hi / lo > 100;
        if (loss.logy) loss.ylabel = "loss (log scale)";
        loss.series.push_back(std::move(c));
        fig.panels.push_back(std::move(loss));
    }
    return fig;
}

namespace {

// e without constant factors and signs: -2*mean(...) is mean(...).
Expr without_constants(Expr e) {
    for (;;) {
        if (e.is(Op::Mul)) {
            Expr rest;
            std::size_t others = 0;
            for (std::size_t i = 0; i < e.size(); ++i)
                if (!free_symbols(e[i]).empty()) rest = e[i], ++others;
            if (others != 1) return e;
            e = rest;
        } else {
            return e;
        }
    }
}

bool is_column(Expr e, std::span<const std::string> columns) {
    return e.is(Op::Sym) && std::find(columns.begin(), columns.end(), e.name()) != columns.end();
}

// -c for a column c (the product -1*c), else null.
Expr negated_column(Expr e, std::span<const std::string> columns) {
    if (e.is(Op::Mul) && e.size() == 2 && e[0].is_integer(-1) && is_column(e[1], columns)) return e[1];
    return {};
}

} // namespace

std::optional<std::pair<Expr, Expr>> model_of_loss(Context& ctx, Expr loss, std::span<const std::string> columns) {
    Expr e = without_constants(loss);
    if (!e.is(Op::RowMean) && !e.is(Op::RowSum)) return std::nullopt;
    const Expr body = e[0];
    if (body.is(Op::Pow) && body[1].is_integer(2) && body[0].is(Op::Add)) {
        const Expr base = body[0];
        for (std::size_t i = 0; i < base.size(); ++i) {
            std::vector<Expr> others;
            for (std::size_t j = 0; j < base.size(); ++j)
                if (j != i) others.push_back(base[j]);
            if (const Expr y = negated_column(base[i], columns); !y.is_null()) return std::make_pair(ctx.add(others), y);
            if (is_column(base[i], columns)) return std::make_pair(ctx.neg(ctx.add(others)), base[i]);
        }
        return std::nullopt;
    }
    // y*ln(p): the cross-entropy's first term names the model and the target. The parser
    // writes ln(sigmoid(z)) as -softplus(-z), so y*softplus(-z) (times a constant) is the
    // term of the model sigmoid(z).
    if (body.is(Op::Add))
        for (std::size_t i = 0; i < body.size(); ++i) {
            const Expr t = body[i];
            if (!t.is(Op::Mul)) continue;
            Expr y, rest;
            std::size_t others = 0;
            for (std::size_t k = 0; k < t.size(); ++k) {
                if (is_column(t[k], columns) && y.is_null()) y = t[k];
                else if (!t[k].is_number()) rest = t[k], ++others;
            }
            if (y.is_null() || others != 1) continue;
            if (rest.is(Op::Log)) return std::make_pair(rest[0], y);
            if (rest.is(Op::Softplus)) {
                const Expr z = rest[0];
                return std::make_pair(ctx.call(Op::Sigmoid, {ctx.neg(z)}), y);
            }
        }
    return std::nullopt;
}

} // namespace symdiff::plot
