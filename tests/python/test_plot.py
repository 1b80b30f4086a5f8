# symdiff.plot: the pictures of `symdiff plot`, `minimize --plot` and `fit --plot` drawn by
# matplotlib from the library's description; what is drawn is checked against the kernels.
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import symdiff  # noqa: E402
import symdiff.plot as sp  # noqa: E402
from symdiff import _symdiff  # noqa: E402


def test_curves_derivatives_and_tangents():
    fig = sp.function("x^3 - 3*x", range={"x": (-3, 3)}, derivative=1, tangent=[2])
    (ax,) = fig.axes
    f = symdiff.parse("x^3 - 3*x")
    k = symdiff.compile(f)
    curve, slope = ax.lines[0], ax.lines[1]
    xs = curve.get_xdata()
    assert xs[0] == -3 and xs[-1] == 3 and len(xs) == 400
    value, (d,) = k(np.asarray(xs))
    assert np.array_equal(curve.get_ydata(), value) and np.array_equal(slope.get_ydata(), d)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["x³ − 3·x", "f′ = 3·x² − 3"]
    tangent = ax.lines[2]
    tx, ty = tangent.get_xdata(), tangent.get_ydata()
    assert np.allclose(ty, 2.0 + 9.0 * (tx - 2.0))  # f(2) = 2, f'(2) = 9
    assert "tangent at x = 2: y = 9·x − 16" in labels


def test_contours_sample_the_function():
    d = _symdiff._function_figure([symdiff.parse("(1-x)^2+100*(y-x^2)^2")], "x=-2..2,y=-1..3", 0, [], False, 50,
                                  "lines", 20, None, 8, False, False, "")
    (panel,) = d["panels"]
    contour = next(s for s in panel["series"] if s["kind"] == "contour")
    x0, x1, y0, y1 = contour["grid"]
    z = contour["z"]
    assert (x0, x1, y0, y1) == (-2, 2, -1, 3) and z.shape == (50, 50)
    X, Y = np.meshgrid(np.linspace(x0, x1, 50), np.linspace(y0, y1, 50))
    assert np.allclose(z, symdiff.compile(symdiff.parse("(1-x)^2+100*(y-x^2)^2"), grad=False)(X, Y), rtol=1e-12)
    assert len(contour["levels"]) == 20 and contour["log_colour"] in (True, False)
    arrows = next(s for s in panel["series"] if s["kind"] == "arrows")
    assert len(arrows["x"]) == 64
    fig = sp.function("(1-x)^2+100*(y-x^2)^2", range="x=-2..2,y=-1..3", contour="filled", surface=True)
    assert len(fig.axes) >= 2 and any(hasattr(a, "get_zlim") for a in fig.axes)


def test_descent_draws_the_runs():
    f = symdiff.parse("(1-x)^2+100*(y-x^2)^2")
    runs = [symdiff.minimize(f, {"x": -1, "y": 1}, lr=lr, steps=2000) for lr in (0.0005, 0.001)]
    fig = sp.descent(f, runs)
    paths = next(a for a in fig.axes if a.get_title().startswith("descent on f"))
    losses = next(a for a in fig.axes if a.get_title() == "f at each step")
    labels = [t.get_text() for t in losses.get_legend().get_texts()]
    assert any(label.startswith("gd, lr = 0.0005") for label in labels)
    for run, line in zip(runs, [ln for ln in losses.lines if len(ln.get_xdata()) > 2]):
        steps, values = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        idx = np.searchsorted(run.history.step, steps)
        assert np.array_equal(run.history.step[idx], steps) and np.array_equal(run.history.f[idx], values)
    assert paths.get_xlabel() == "x" and paths.get_ylabel() == "y"


def test_fit_draws_the_data_and_the_decision_line():
    pd = pytest.importorskip("pandas")
    d = pd.read_csv(__file__.rsplit("/tests/", 1)[0] + "/examples/data/s003_logistic.csv", float_precision="round_trip")
    r = symdiff.fit("mean(softplus(w1*x1 + w2*x2 + b) - y*(w1*x1 + w2*x2 + b))", d, lr=0.1, epochs=300)
    fig = sp.fit("sigmoid(w1*x1 + w2*x2 + b)", d, inputs=["x1", "x2"], target="y", params=r.params)
    (ax,) = fig.axes
    with_curve = sp.fit("sigmoid(w1*x1 + w2*x2 + b)", d, inputs=["x1", "x2"], target="y", params=r.params,
                        curve=r.curve)
    assert len(with_curve.axes) == 2
    assert any(np.array_equal(line.get_ydata(), r.curve) for a in with_curve.axes for line in a.lines)
    points = [c for c in ax.collections if c.get_offsets().shape[0] > 2 and c.get_offsets().shape[1] == 2]
    assert sum(len(c.get_offsets()) for c in points[:2]) == 100
    with pytest.raises(symdiff.Error):
        sp.function("x*y*z")
