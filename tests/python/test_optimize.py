# minimize and fit from Python: the same numbers as the symdiff program, the history as
# arrays, data from dicts and DataFrames, Ctrl-C stopping a run with its history kept.
import os
import signal
import threading
import time

import numpy as np
import pytest

import symdiff
from conftest import cli_json

ROSENBROCK = "(1-x)^2+100*(y-x^2)^2"


@pytest.mark.parametrize("method,lr,steps", [("gd", 0.001, 1000), ("adam", 0.01, 500), ("momentum", 0.0005, 800),
                                             ("lbfgs", 0.001, 40), ("newton", 0.001, 20)])
def test_minimize_gives_the_cli_numbers(method, lr, steps):
    r = symdiff.minimize(symdiff.parse(ROSENBROCK), {"x": -1, "y": 1}, method=method, lr=lr, steps=steps)
    run = cli_json("minimize", ROSENBROCK, "--from", "x=-1,y=1", "--method", method, "--lr", str(lr),
                   "--steps", str(steps))["runs"][0]
    assert r.point == run["end"]
    assert (r.value, r.grad_norm, r.steps, r.evaluations) == (run["f"], run["grad_norm"], run["steps"], run["evaluations"])
    assert (r.verdict, r.message, r.reason) == (run["verdict"], run["message"], run["stopped"])
    assert r.method == method and r.wrt == ["x", "y"]


def test_minimize_history_and_start_forms():
    f = symdiff.parse(ROSENBROCK)
    r = symdiff.minimize(f, [-1, 1], lr=0.001, steps=100)
    h = r.history
    assert len(h) == 101 and h.x.shape == (101, 2) and h.step.dtype == np.int64
    assert h.step.tolist() == list(range(101))
    assert h.f[0] == 4.0 and h.f[-1] == r.value and np.array_equal(h.x[-1], r.x)
    assert np.array_equal(h.x[0], [-1.0, 1.0])
    # f at each recorded point is the recorded f
    k = symdiff.compile(f, grad=False)
    assert np.array_equal(k(h.x[:, 0], h.x[:, 1]), h.f)
    sparse = symdiff.minimize(f, [-1, 1], lr=0.001, steps=100, history_every=30)
    assert sparse.history.step.tolist() == [0, 30, 60, 90, 100]
    stopped = symdiff.minimize(f, {"x": -1, "y": 1}, method="lbfgs", steps=200, tol=1e-10)
    assert stopped.verdict == "converged" and stopped.reason == "gradient-tolerance"
    assert abs(stopped.point["x"] - 1) < 1e-9 and abs(stopped.point["y"] - 1) < 1e-9


def test_minimize_errors():
    f = symdiff.parse(ROSENBROCK)
    with pytest.raises(symdiff.Error, match="^unknown method 'sgd': use gd, momentum, nesterov, adam, rmsprop, lbfgs or newton$"):
        symdiff.minimize(f, [0, 0], method="sgd")
    with pytest.raises(symdiff.Error, match="^x0 gives no value for 'y'$"):
        symdiff.minimize(f, {"x": 0})
    with pytest.raises(symdiff.Error, match="^x0 has 3 values but there are 2 variables$"):
        symdiff.minimize(f, [0, 0, 0])
    with pytest.raises(TypeError, match="^unexpected keyword argument 'learning_rate'$"):
        symdiff.minimize(f, [0, 0], learning_rate=0.1)


def write_csv(path, columns):
    names = list(columns)
    with open(path, "w") as out:
        out.write(",".join(names) + "\n")
        for row in zip(*columns.values()):
            out.write(",".join(repr(float(v)) for v in row) + "\n")


def test_fit_gives_the_cli_numbers(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 5, 200)
    data = {"x": x, "y": 2 * x + 1 + rng.normal(0, 0.3, 200)}
    csv = tmp_path / "line.csv"
    write_csv(csv, data)
    loss = "mean((m*x + b - y)^2)"
    for extra in ([], ["--batch", "32", "--seed", "7"]):
        kw = {"batch": int(extra[1]), "seed": int(extra[3])} if extra else {}
        r = symdiff.fit(loss, data, params="m b", lr=0.05, epochs=50, **kw)
        j = cli_json("fit", loss, "--data", str(csv), "--lr", "0.05", "--epochs", "50", *extra)
        assert r.params == j["fitted"]
        assert r.value == j["loss"] and r.grad_norm == j["grad_norm"]
        assert r.curve.tolist() == j["curve"]
        assert (r.message, r.reason, r.steps, r.epochs) == (j["message"], j["stopped"], j["updates"], j["epochs_run"])
    assert r.path.shape == (51, 2) and np.array_equal(r.path[-1], r.x)


def test_fit_takes_a_dataframe_and_vector_parameters():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"x": rng.uniform(-2, 2, 300)})
    df["t"] = (df["x"] > 0.3).astype(int)
    a = symdiff.fit("mean(softplus(w*x + c) - t*(w*x + c))", df, lr=0.5, epochs=200)
    b = symdiff.fit("mean(softplus(w*x + c) - t*(w*x + c))", {"x": df["x"].to_numpy(), "t": df["t"].to_numpy(float)},
                    lr=0.5, epochs=200)
    assert a.params == b.params and list(a.params) == ["w", "c"]  # as `symdiff fit` orders them
    assert a.params["w"] > 2 and a.curve[-1] < a.curve[0]
    # a vector parameter: least squares of sum(i = 1..n, (p[i] - i)^2) reaches p = 1..n
    v = symdiff.fit("sum(i = 1..len(p), (p[i] - i)^2)", {}, init={"p": np.zeros(4)}, lr=0.25, epochs=50)
    assert np.allclose(v.params["p"], [1, 2, 3, 4]) and v.coordinates == ["p[1]", "p[2]", "p[3]", "p[4]"]
    with pytest.raises(symdiff.Error) as e:
        symdiff.fit("sum(i = 1..len(p), (p[i] - i)^2)", {})
    assert e.value.message == "'p' is a vector: give its start value and length with init p=[0]*N"
    with pytest.raises(symdiff.Error) as e:
        symdiff.fit("mean((m*x - y)^2)", {"x": [1.0], "y": [2.0]}, init={"m": [1.0, 2.0]})
    assert e.value.message == "init gives a vector to 'm', which the loss uses as a number"


def interrupt_when_running():
    """Presses Ctrl-C (SIGINT to this process) once a native run has its handler installed."""
    def press():
        while symdiff._symdiff._interrupt_scopes() == 0:
            time.sleep(0.005)
        time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)
    t = threading.Thread(target=press)
    t.start()
    return t


def test_ctrl_c_stops_minimize_with_the_history_so_far():
    f = symdiff.parse(ROSENBROCK)
    presser = interrupt_when_running()
    with pytest.raises(symdiff.Interrupted) as e:
        symdiff.minimize(f, [-1, 1], lr=1e-7, steps=10**12, history_every=1000)
    presser.join()
    assert isinstance(e.value, KeyboardInterrupt)
    r = e.value.result
    assert r.reason == "interrupted" and r.steps > 0
    assert len(r.history) >= 2 and r.history.step[-1] == r.steps and r.history.f[-1] == r.value
    assert symdiff._symdiff._interrupt_scopes() == 0
    # Python's own handler is back: the next Ctrl-C is an ordinary KeyboardInterrupt.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_stops_fit():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, 1000)
    presser = interrupt_when_running()
    with pytest.raises(symdiff.Interrupted) as e:
        symdiff.fit("mean((m*x + b - y)^2)", {"x": x, "y": 3 * x}, lr=1e-9, epochs=10**10, batch=10)
    presser.join()
    r = e.value.result
    assert r.reason == "interrupted" and r.steps > 0 and len(r.curve) >= 1


def test_ctrl_c_stops_a_long_kernel_call():
    k = symdiff.compile(symdiff.parse("sin(x)^2*cos(x)^3 + exp(-x^2)"))
    x = np.linspace(0, 1, 4_000_000)
    presser = interrupt_when_running()
    with pytest.raises(KeyboardInterrupt):
        for _ in range(10**6):
            k(x)
    presser.join()


def test_loss_value_and_gradient_over_data():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(8)
    df = pd.DataFrame({"score": rng.uniform(0, 1, 500), "y": rng.uniform(0, 1, 500)})
    # `score` is a column, so one variable (not s*c*o*r*e), as the CLI reads it
    loss = symdiff.Loss("mean((a*score + b - y)^2)", df)
    assert loss.coordinates == ["a", "b"] and loss.rows == 500 and loss.dims == 2
    value, g = loss([0.5, -0.25])
    s, y = df["score"].to_numpy(), df["y"].to_numpy()
    r = 0.5 * s - 0.25 - y
    assert np.isclose(value, np.mean(r**2), rtol=1e-14)
    assert np.allclose(g, [np.mean(2 * r * s), np.mean(2 * r)], rtol=1e-13)
    assert loss(a=0.5, b=-0.25)[0] == value
    # the interpreter gives the same bits, and so does the kernel of the same loss by hand
    same = symdiff.Loss("mean((a*score + b - y)^2)", df, backend="interp")([0.5, -0.25])
    assert same[0] == value and np.array_equal(same[1], g)
    with pytest.raises(symdiff.Error, match="^the loss has 2 parameters, got 3 values$"):
        loss([1, 2, 3])
    fitted = symdiff.fit("mean((a*score + b - y)^2)", df, lr=0.5, epochs=20)
    assert fitted.params == dict(zip(loss.coordinates, fitted.x))
    assert fitted.value == loss(fitted.x)[0]


def test_runs_from_several_threads_agree():
    f = symdiff.parse(ROSENBROCK)
    methods = ["gd", "adam", "lbfgs", "momentum"] * 2
    expected = {m: symdiff.minimize(f, [-1, 1], method=m, lr=0.001, steps=2000) for m in set(methods)}
    got = [None] * len(methods)

    def work(i):
        got[i] = symdiff.minimize(f, [-1, 1], method=methods[i], lr=0.001, steps=2000)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(methods))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for m, r in zip(methods, got):
        assert np.array_equal(r.x, expected[m].x) and r.value == expected[m].value
        assert np.array_equal(r.history.f, expected[m].history.f)
    # runs off the main thread leave SIGINT to Python
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
