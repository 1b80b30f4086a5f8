"""The pictures of `symdiff plot`, `minimize --plot` and `fit --plot` as matplotlib figures.

The library samples and describes each picture (the same panels, series, levels and labels
the symdiff program draws with gnuplot); this module draws that description with matplotlib:

    import symdiff.plot
    symdiff.plot.function("x^3 - 3*x", range={"x": (-3, 3)}, derivative=1, tangent=[0, 1])
    symdiff.plot.function("(1-x)^2 + 100*(y-x^2)^2", range="x=-2..2,y=-1..3", levels=20)
    run = symdiff.minimize(f, {"x": -1, "y": 1}, lr=0.001)
    symdiff.plot.descent(f, [run])
    symdiff.plot.fit(model, data, inputs=["x"], target="y")

Each returns the matplotlib Figure (draw it on its own with plt.show(), or let Jupyter show it).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from . import _symdiff
from . import Expr, _expr, parse


def _plt():
    import matplotlib.pyplot as plt
    return plt


def draw(figure: dict):
    """A matplotlib Figure from the library's description of a picture."""
    plt = _plt()
    panels = figure["panels"]
    n = len(panels)
    cols = figure["columns"] or (n if n <= 3 else math.ceil(math.sqrt(n)))
    rows = math.ceil(n / cols)
    width = figure["width"] / 100 if figure["width"] else 5.5 * cols
    height = figure["height"] / 100 if figure["height"] else 4.5 * rows
    fig = plt.figure(figsize=(width, height))
    if figure["title"]:
        fig.suptitle(figure["title"])
    for i, p in enumerate(panels):
        three_d = any(s["kind"] == "surface" for s in p["series"])
        ax = fig.add_subplot(rows, cols, i + 1, projection="3d" if three_d else None)
        _draw_panel(fig, ax, p)
    fig.tight_layout()
    return fig


def _colour(s, cycle):
    return f"C{(s['colour'] - 1) % 10}" if s["colour"] > 0 else next(cycle)


def _draw_panel(fig, ax, p):
    import itertools
    from matplotlib import colors
    cycle = (f"C{k}" for k in itertools.count())
    mappable = None
    for s in p["series"]:
        kind, label = s["kind"], s["title"] or None
        x, y = s["x"], s["y"]
        if kind == "curve":
            ax.plot(x, y, color=_colour(s, cycle), label=label)
        elif kind == "points":
            if len(s["c"]):
                mappable = ax.scatter(x, y, c=s["c"], cmap="coolwarm", s=14, label=label, edgecolor="k", linewidth=0.3)
            else:
                ax.scatter(x, y, color=_colour(s, cycle), s=14, label=label)
        elif kind == "tangent":
            c = _colour(s, cycle)
            ax.plot(x, y, "--", color=c, label=label)
            if len(x) >= 2:
                ax.plot([x[1]], [y[1]], "o", color=c)
        elif kind in ("contour", "surface"):
            x0, x1, y0, y1 = s["grid"]
            z = s["z"]
            gx = np.linspace(x0, x1, z.shape[1])
            gy = np.linspace(y0, y1, z.shape[0])
            if kind == "surface":
                X, Y = np.meshgrid(gx, gy)
                ax.plot_surface(X, Y, z, cmap="viridis", linewidth=0)
                continue
            levels = s["levels"] if len(s["levels"]) else 15
            norm = colors.LogNorm() if s["log_colour"] else None
            if s["filled"]:
                mappable = ax.contourf(gx, gy, z, levels=levels, cmap="viridis", norm=norm)
                ax.contour(gx, gy, z, levels=levels, colors="k", linewidths=0.5)
            elif len(s["levels"]) == 1:
                # one level: a boundary (fit's decision line), in the series' colour
                ax.contour(gx, gy, z, levels=levels, colors=_colour(s, cycle))
                if label:
                    ax.plot([], [], color=f"C{max(s['colour'] - 1, 0)}", label=label)
            else:
                mappable = ax.contour(gx, gy, z, levels=levels, cmap="viridis", norm=norm)
        elif kind == "arrows":
            if len(s["c"]):
                mappable = ax.quiver(x, y, s["u"], s["v"], s["c"], cmap="plasma", angles="xy")
            else:
                ax.quiver(x, y, s["u"], s["v"], color=_colour(s, cycle), angles="xy", label=label)
        elif kind == "path":
            c = _colour(s, cycle)
            ax.plot(x, y, "-", color=c, linewidth=1.2, label=label)
            if len(x):
                ax.plot(x[:1], y[:1], "o", color=c, label=s["start_title"] or None)
                ax.plot(x[-1:], y[-1:], "^", color=c, label=s["end_title"] or None)
    ax.set_title(p["title"])
    ax.set_xlabel(p["xlabel"])
    ax.set_ylabel(p["ylabel"])
    if p["zlabel"] and hasattr(ax, "set_zlabel"):
        ax.set_zlabel(p["zlabel"])
    if p["xrange"]:
        ax.set_xlim(*p["xrange"])
    if p["yrange"]:
        ax.set_ylim(*p["yrange"])
    if p["logy"]:
        ax.set_yscale("log")
    if p["equal_axes"]:
        ax.set_aspect("equal", adjustable="box")
    if p["zero_axes"]:
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.axvline(0, color="0.6", linewidth=0.8)
    if p["grid"] and not hasattr(ax, "set_zlabel"):
        ax.grid(alpha=0.3)
    if p["colourbar"] and mappable is not None:
        bar = fig.colorbar(mappable, ax=ax, label=p["colourbar"], format="%.3g")
        bar.minorticks_off()
    if ax.get_legend_handles_labels()[0]:
        if p["key_below"]:
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize=8)
        else:
            ax.legend(fontsize=8)


def function(*functions, range: Any = None, derivative: int = 0, tangent: Sequence[float] = (),
             grid: bool = False, samples: int = 0, contour: str = "lines", levels: int = 15,
             log_levels: Optional[bool] = None, arrows: int = 0, normalize: bool = False,
             surface: bool = False, title: str = ""):
    """`symdiff plot`: functions of one variable (with derivative=N, tangent=[x...], grid=True
    for one panel per function), or one function of two (contour="lines"|"filled"|"none",
    levels, log_levels, arrows=N gradient arrows, normalize, surface). range: {"x": (lo, hi)}
    or "x=-3..3,y=-1..3" (default -5..5)."""
    fs = [_expr(f) for f in functions]
    return draw(_symdiff._function_figure(fs, range, int(derivative), [float(t) for t in tangent],
                                          bool(grid), int(samples), contour, int(levels), log_levels,
                                          int(arrows), bool(normalize), bool(surface), title))


def descent(f, runs, labels: Optional[Sequence[str]] = None, view: Any = None):
    """`minimize --plot`: the paths of minimize() results over the curve or contours of f,
    beside their loss curves. labels default to each run's method and steps; view: the
    ranges of the two variables to show (default: where the runs went)."""
    f = _expr(f)
    runs = list(runs)
    if not runs:
        raise ValueError("descent() needs at least one run")
    wrt = runs[0].wrt
    data = []
    for i, r in enumerate(runs):
        label = labels[i] if labels else f"{r.method}, lr = {r.lr:g}"
        h = r.history
        data.append((label, [float(s) for s in h.step], [list(map(float, row)) for row in h.x],
                     [float(v) for v in h.f]))
    return draw(_symdiff._descent_figure(f, list(wrt), data, view))


def fit(model, data: Mapping[str, Any], inputs: Sequence[str], target: str, boundary: float = 0.5,
        params: Optional[Mapping[str, float]] = None, title: str = "", curve: Optional[Sequence[float]] = None):
    """`fit --plot`: the data with the fitted model, a curve over one input column or the
    model's level `boundary` over two (a classifier's decision line). model: an expression of
    the inputs, or one with parameters given by `params` (a FitResult's params). curve: the
    loss after each epoch (a FitResult's curve), drawn in a panel beside it."""
    if isinstance(model, str):
        model = parse(model, variables=list(inputs) + list(params or {}))
    if params:
        model = model.subs({k: v for k, v in params.items()})
    columns = [list(map(float, np.asarray(data[c], dtype=np.float64))) for c in inputs]
    y = list(map(float, np.asarray(data[target], dtype=np.float64)))
    losses = [] if curve is None else [float(v) for v in curve]
    return draw(_symdiff._fit_figure(model, list(inputs), columns, y, target, float(boundary), title, losses))
