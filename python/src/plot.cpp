// The pictures of `symdiff plot`, `minimize --plot` and `fit --plot` for matplotlib: the
// library describes and samples them (plot.hpp: a Figure of panels and series); this file
// hands the Figure to Python as plain data, and python/symdiff/plot.py draws it.
#include <pybind11/numpy.h>

#include <fmt/format.h>

#include "common.hpp"
#include "symdiff/plot.hpp"

namespace symdiff::python {

namespace {

py::array_t<double> array_of(const std::vector<double>& v) {
    py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

std::string kind_name(plot::Kind k) {
    switch (k) {
    case plot::Kind::Curve: return "curve";
    case plot::Kind::Points: return "points";
    case plot::Kind::Tangent: return "tangent";
    case plot::Kind::Contour: return "contour";
    case plot::Kind::Arrows: return "arrows";
    case plot::Kind::Path: return "path";
    case plot::Kind::Surface: return "surface";
    }
    return "curve";
}

py::object range_object(const std::optional<std::pair<double, double>>& r) {
    if (!r) return py::none();
    return py::make_tuple(r->first, r->second);
}

py::dict figure_dict(const plot::Figure& fig) {
    py::dict d;
    d["title"] = fig.title;
    d["columns"] = fig.columns;
    d["width"] = fig.width;
    d["height"] = fig.height;
    py::list panels;
    for (const plot::Panel& p : fig.panels) {
        py::dict pd;
        pd["title"] = p.title;
        pd["xlabel"] = p.xlabel;
        pd["ylabel"] = p.ylabel;
        pd["zlabel"] = p.zlabel;
        pd["xrange"] = range_object(p.xrange);
        pd["yrange"] = range_object(p.yrange);
        pd["logy"] = p.logy;
        pd["equal_axes"] = p.equal_axes;
        pd["colourbar"] = p.colourbar;
        pd["grid"] = p.grid;
        pd["zero_axes"] = p.zero_axes;
        pd["key_below"] = p.key_below;
        py::list series;
        for (const plot::Series& s : p.series) {
            py::dict sd;
            sd["kind"] = kind_name(s.kind);
            sd["title"] = s.title;
            sd["x"] = array_of(s.x);
            sd["y"] = array_of(s.y);
            sd["u"] = array_of(s.u);
            sd["v"] = array_of(s.v);
            sd["c"] = array_of(s.c);
            py::array_t<double> z = array_of(s.z);
            if (s.nx && s.ny && s.z.size() == s.nx * s.ny)
                z = z.reshape({static_cast<py::ssize_t>(s.ny), static_cast<py::ssize_t>(s.nx)});
            sd["z"] = z;
            sd["grid"] = py::make_tuple(s.x0, s.x1, s.y0, s.y1);
            sd["levels"] = array_of(s.levels);
            sd["filled"] = s.filled;
            sd["log_colour"] = s.log_colour;
            sd["colour"] = s.colour;
            sd["start_title"] = s.start_title;
            sd["end_title"] = s.end_title;
            series.append(sd);
        }
        pd["series"] = series;
        panels.append(pd);
    }
    d["panels"] = panels;
    return d;
}

/// Ranges from a dict {name: (lo, hi)} or the CLI's text "x=-3..3,y=-1..3".
std::vector<plot::Range> ranges_arg(const ContextPtr& ctx, py::handle ranges) {
    if (ranges.is_none()) return {};
    if (py::isinstance<py::str>(ranges)) return plot::parse_ranges(*ctx, ranges.cast<std::string>(), "range");
    std::vector<plot::Range> out;
    for (auto item : py::dict(py::reinterpret_borrow<py::object>(ranges))) {
        auto lohi = py::cast<std::pair<double, double>>(item.second);
        out.push_back(plot::Range{expect_symbol(ctx, item.first), lohi.first, lohi.second});
    }
    return out;
}

} // namespace

void bind_plot(py::module_& m) {
    m.def("_function_figure", [](py::list functions, py::handle ranges, int derivatives, std::vector<double> tangents,
                                 bool grid, std::size_t samples, const std::string& contour, std::size_t levels,
                                 py::handle log_levels, std::size_t arrows, bool normalise, bool surface,
                                 const std::string& title) {
        const ContextPtr ctx = context_of(py::tuple(functions));
        std::vector<Expr> fs;
        for (py::handle f : functions) fs.push_back(expect_expr(ctx, f, "a function"));
        plot::FunctionOptions o;
        o.ranges = ranges_arg(ctx, ranges);
        o.derivatives = derivatives;
        o.tangents = std::move(tangents);
        o.grid = grid;
        o.samples = samples;
        o.contour = contour;
        o.level_count = levels;
        if (!log_levels.is_none()) o.log_levels = log_levels.cast<bool>();
        o.arrows = arrows;
        o.normalise = normalise;
        o.surface = surface;
        o.title = title;
        plot::Figure fig;
        {
            py::gil_scoped_release release;
            fig = plot::function_figure(fs, o);
        }
        return figure_dict(fig);
    });

    m.def("_descent_figure", [](py::handle f, py::list vars, py::list runs, py::handle view) {
        const ContextPtr ctx = context_of(py::make_tuple(f));
        const Expr e = expect_expr(ctx, f, "f");
        std::vector<Expr> vs;
        for (py::handle v : vars) vs.push_back(expect_symbol(ctx, v));
        std::vector<plot::RunPath> paths;
        for (py::handle r : runs) {
            py::tuple t = py::reinterpret_borrow<py::tuple>(r);
            plot::RunPath p;
            p.label = t[0].cast<std::string>();
            p.step = t[1].cast<std::vector<double>>();
            p.x = t[2].cast<std::vector<std::vector<double>>>();
            p.f = t[3].cast<std::vector<double>>();
            paths.push_back(std::move(p));
        }
        std::optional<std::pair<plot::Range, plot::Range>> v;
        if (!view.is_none()) {
            std::vector<plot::Range> rs = ranges_arg(ctx, view);
            if (rs.size() != 2) throw Error("view needs the ranges of the two variables");
            v.emplace(rs[0], rs[1]);
        }
        plot::Figure fig;
        {
            py::gil_scoped_release release;
            fig = plot::descent_figure(e, vs, paths, v);
        }
        return figure_dict(fig);
    });

    m.def("_fit_figure", [](py::handle model, py::list inputs, std::vector<std::vector<double>> columns,
                            std::vector<double> target, const std::string& target_name, double boundary,
                            const std::string& title, std::vector<double> curve) {
        const ContextPtr ctx = context_of(py::make_tuple(model));
        const Expr e = expect_expr(ctx, model, "the model");
        std::vector<Expr> ins;
        for (py::handle v : inputs) ins.push_back(expect_symbol(ctx, v));
        plot::Figure fig;
        {
            py::gil_scoped_release release;
            fig = plot::fit_figure(e, ins, columns, target, target_name, boundary, title, curve);
        }
        return figure_dict(fig);
    });
}

} // namespace symdiff::python
