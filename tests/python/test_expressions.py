# Expressions from Python: building, printing, derivatives against central differences,
# substitution, evaluation, and errors as exceptions with exact messages.
import math
import random
import warnings

import pytest

import symdiff
from conftest import cli_json, cli_out

ROSENBROCK = "(1-x)^2+100*(y-x^2)^2"

# Smooth functions of x and y (and their domains) for the finite-difference checks.
SMOOTH = [
    "sin(x*y) + exp(x)/(1+y^2)",
    "ln(1 + x^2)*sqrt(y + 3)",
    "atan2(y, x + 3) + tanh(x - y)",
    "sigmoid(3*x - y)^2 + softplus(x*y)",
    "x^y + cbrt(x + y + 5)",
    "(1-x)^2+100*(y-x^2)^2",
    "erf(x/2)*cosh(y/3) - asinh(x*y)",
]


def central(f, at, name, h=1e-6):
    lo, hi = dict(at), dict(at)
    lo[name] -= h
    hi[name] += h
    return (f.evaluate(hi) - f.evaluate(lo)) / (2 * h)


def test_operators_build_the_parsed_expression():
    x, y = symdiff.symbols("x y")
    assert (1 - x)**2 + 100*(y - x**2)**2 == symdiff.parse(ROSENBROCK)
    assert str((1 - x)**2 + 100*(y - x**2)**2) == "(1 - x)^2 + 100*(y - x^2)^2"
    # Numbers on either side, unary minus, division and powers both ways.
    assert str(2/x) == "2/x"
    assert str(x/3) == "x/3"
    assert str(2**x) == "2^x"
    assert str(-x + 0.5*y) == "0.5*y - x"
    assert x - x == 0 and x/x == 1
    assert x + y == y + x
    assert str(symdiff.sin(x)**2 + symdiff.log(y)) == "ln(y) + sin(x)^2"
    assert str(symdiff.sqrt(x)) == "sqrt(x)"
    assert str(symdiff.atan2(y, 1)) == "atan2(y, 1)"
    assert str(symdiff.pi*x + symdiff.E) == "e + pi*x"


def test_numbers_from_numpy_and_big_ints():
    np = pytest.importorskip("numpy")
    x = symdiff.symbols("x")
    assert x + np.float64(0.25) == x + 0.25
    assert x * np.int64(3) == 3*x
    assert float(symdiff.parse("1") * 2**70) == 2.0**70


def test_equality_and_hash():
    x, y = symdiff.symbols("x y")
    a = symdiff.parse("x*y + 1")
    b = 1 + y*x
    assert a == b and hash(a) == hash(b)
    assert len({a, b, x*y}) == 2
    assert (x == y) is False and (x != y) is True
    assert (x == "x") is False  # a string is not an expression
    # numbers equal their Python values and hash alike, as dict keys need
    assert symdiff.parse("2") == 2 and hash(symdiff.parse("2")) == hash(2)
    assert symdiff.parse("0.5") == 0.5 and hash(symdiff.parse("0.5")) == hash(0.5)
    assert symdiff.parse("1/2") != 0.5  # equal values, but spelt differently: distinct nodes
    assert len({symdiff.parse("2"), 2, 2.0}) == 1


def test_printing_formats():
    f = symdiff.parse("2 - 3*x + x^2 + sqrt(y)/x")
    assert f.to_unicode() == "x² − 3·x + √y/x + 2"
    assert f.to_latex() == r"x^{2} - 3 x + \frac{\sqrt{y}}{x} + 2"
    assert f._repr_latex_() == r"$\displaystyle x^{2} - 3 x + \frac{\sqrt{y}}{x} + 2$"
    assert symdiff.parse(ROSENBROCK).to_c() == "pow(1.0 - x, 2.0) + 100.0*pow(y - pow(x, 2.0), 2.0)"
    assert f.to_string("json").startswith('{"op":')


def test_derivatives_print_as_the_cli_prints_them():
    for text in SMOOTH:
        g = symdiff.grad(text)
        wrt = ",".join(v.name for v in symdiff.parse(text).variables)
        assert "[" + ", ".join(str(e) for e in g) + "]" == cli_out("grad", text, "--wrt", wrt)
    h = symdiff.parse(ROSENBROCK).hessian()
    assert str(h).replace("[", "").replace("]", "") == cli_out("hessian", ROSENBROCK).replace("[", "").replace("]", "")
    assert symdiff.steps("sin(x^2)") + "\n" + str(symdiff.diff("sin(x^2)")) == cli_out("diff", "sin(x^2)", "--steps")


def test_gradient_against_central_differences():
    rng = random.Random(19)
    for text in SMOOTH:
        f = symdiff.parse(text)
        names = [v.name for v in f.variables]
        g = f.grad()
        for _ in range(5):
            at = {n: rng.uniform(0.2, 1.5) for n in names}
            for name, gi in zip(names, g):
                exact = gi.evaluate(at)
                approx = central(f, at, name)
                assert math.isclose(exact, approx, rel_tol=1e-6, abs_tol=1e-6), (text, name, at, exact, approx)


def test_hessian_and_second_derivatives_against_central_differences():
    rng = random.Random(7)
    for text in SMOOTH:
        f = symdiff.parse(text)
        names = [v.name for v in f.variables]
        g = f.grad()
        h = f.hessian()
        for _ in range(3):
            at = {n: rng.uniform(0.2, 1.5) for n in names}
            for i, name in enumerate(names):
                for j in range(len(names)):
                    approx = central(g[j], at, name)
                    assert math.isclose(h[i][j].evaluate(at), approx, rel_tol=1e-5, abs_tol=1e-5), (text, i, j)
            x = f.variables[0]
            assert math.isclose(f.diff(x, order=2).evaluate(at), h[0][0].evaluate(at), rel_tol=1e-12, abs_tol=1e-12)


def test_jacobian_diff_orders_and_several_variables():
    x, y = symdiff.symbols("x y")
    j = symdiff.jacobian([x*y, x + y**2])
    assert [[str(e) for e in row] for row in j] == [["y", "x"], ["1", "2*y"]]
    assert symdiff.parse("[x*y, x + y^2]").jacobian() == j
    assert symdiff.diff(x**5, order=3) == 60*x**2
    assert symdiff.diff(x**2*y**3, x, y) == 6*x*y**2
    with pytest.raises(symdiff.Error) as e:
        symdiff.diff(x*y)
    assert e.value.message == ("the expression has several variables (x, y): name the one to differentiate by, "
                               "or use grad for all of them")


def test_natural_variable_order():
    # The library's one rule: first appearance, numbered families together where the first
    # of them appears (not a sort: b stays after the x family it follows).
    f = symdiff.parse("x10 + x2*x1 + b")
    assert [v.name for v in f.variables] == ["x1", "x2", "x10", "b"]
    assert [str(g) for g in f.grad()] == ["x2", "x1", "1", "1"]
    assert [str(g) for g in f.grad("x2 x1")] == ["x1", "x2"]
    assert symdiff.compile(f, grad=False).wrt == ("x1", "x2", "x10", "b")
    # An expression built with operators is read in the text str() prints.
    w, x, b = symdiff.symbols("w x b")
    assert [v.name for v in (w*x + b).variables] == ["w", "x", "b"]
    assert [v.name for v in (b + x*w).variables] == ["w", "x", "b"]  # printed w*x + b
    x1, x2, y = symdiff.symbols("x1 x2 y")
    assert [v.name for v in (y*x2 + x1).variables] == [v.name for v in symdiff.parse(str(y*x2 + x1)).variables]


@pytest.mark.parametrize("text", ["w*x + b", "b + w*x", "y2 + a + y1 + x10", "x10 + x2*x1 + b",
                                  "100*(x2 - x1^2)^2 + (1 - x1)^2", "z*a + c*q3 + q1"])
def test_variable_order_is_the_programs(text):
    program = cli_json("grad", text)
    assert [v.name for v in symdiff.parse(text).variables] == program["variables"]
    assert list(symdiff.minimize(text, [0.5] * len(program["wrt"]), steps=1).wrt) == program["wrt"]


def test_simplify_subs_evaluate():
    x, y = symdiff.symbols("x y")
    assert symdiff.simplify(symdiff.sin(x)**2 + symdiff.cos(x)**2) == 1
    f = symdiff.parse(ROSENBROCK)
    assert f.subs({x: 1}) == 100*(y - 1)**2
    assert f.subs(y=x**2) == (1 - x)**2
    assert f.subs({"x": 2*y}) == (1 - 2*y)**2 + 100*(y - 4*y**2)**2
    assert f(x=-1, y=1) == 4.0
    assert f.evaluate({x: 1, "y": 1}) == 0.0
    assert symdiff.parse("[x, x^2]")(x=3) == [3.0, 9.0]
    assert float(symdiff.parse("sin(pi/2)")) == 1.0
    # IEEE values, not errors.
    assert math.isinf(symdiff.parse("1/x")(x=0))


def test_parse_error_carries_message_position_and_caret():
    with pytest.raises(symdiff.ParseError) as e:
        symdiff.parse("1 + * 2")
    err = e.value
    assert isinstance(err, symdiff.Error) and isinstance(err, ValueError)
    assert err.message == "expected an operand, found '*'"
    assert (err.line, err.column, err.offset, err.length) == (1, 5, 4, 1)
    assert err.source_line == "1 + * 2"
    assert err.caret == "    ^"
    assert str(err) == "expected an operand, found '*'\n  1 + * 2\n      ^"

    with pytest.raises(symdiff.ParseError) as e:
        symdiff.parse("foo(x)")
    assert str(e.value) == "unknown function 'foo'\n  foo(x)\n  ^~~"
    assert e.value.caret == "^~~"


def test_other_errors():
    x, y = symdiff.symbols("x y")
    with pytest.raises(symdiff.Error) as e:
        (x + y).evaluate(x=1)
    assert str(e.value) == "unknown variable 'y'" and e.value.line is None
    with pytest.raises(symdiff.Error, match="^cannot combine expressions of different symdiff.Context objects$"):
        x + symdiff.symbols("x", context=symdiff.Context())
    with pytest.raises(TypeError):
        x + "y"
    with pytest.raises(symdiff.Error, match="^atan2 takes 2 arguments, got 1$"):
        symdiff.atan2(x)


def test_contexts_are_separate():
    c = symdiff.Context()
    x = symdiff.symbols("x", context=c)
    f = symdiff.parse("x^2", context=c)
    assert f == x**2 and f.context == c and f.context != symdiff.default_context()
    assert f != symdiff.parse("x^2")
    assert c.nodes >= 3


def test_juxtaposed_names_warn():
    with pytest.warns(symdiff.NoteWarning, match=r"'xy' is read as the product x\*y"):
        f = symdiff.parse("3xy")
    assert str(f) == "3*x*y"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert symdiff.parse("3xy", variables=["xy"]).name is None
        assert [v.name for v in symdiff.parse("xy + 1", variables="xy").variables] == ["xy"]


def test_sums_vectors_and_data_rows():
    np = pytest.importorskip("numpy")
    f = symdiff.parse("sum(i = 1..n, x[i]^2)")
    assert f.evaluate(x=[1, 2, 3]) == 14.0  # n inferred from the vector's length
    assert f(x=np.array([1.0, 2.0]), n=1) == 1.0
    g = f.grad("x")
    assert str(g[0]) == "[(2*x[k] if 1 <= k <= n) for k = 1..len(x)]"
    assert g[0].evaluate(x=[1, 2, 3]) == [2.0, 4.0, 6.0]
    rosen = symdiff.parse("sum(i = 1..n-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)")
    point = np.array([0.5, -0.25, 1.5, 2.0])
    by_hand = sum(100 * (point[i + 1] - point[i]**2)**2 + (1 - point[i])**2 for i in range(3))
    assert rosen.evaluate(x=point) == pytest.approx(by_hand, rel=1e-15)
    mse = symdiff.parse("mean((m*x + b - y)^2)")
    data = {"x": [0, 1, 2], "y": [1, 3, 4]}
    assert mse.evaluate(m=2, b=1, data=data) == 1 / 3
    assert mse.evaluate({"m": 0, "b": 0}, data=data) == (1 + 9 + 16) / 3
    with pytest.raises(symdiff.Error) as e:
        mse.evaluate(m=1, b=1)
    assert e.value.message == "unknown variable 'x': give its value as x=..."
    with pytest.raises(symdiff.Error, match="^the vector 'x' must be one-dimensional$"):
        f.evaluate(x=[[1.0]])
