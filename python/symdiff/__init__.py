"""symdiff: symbolic differentiation and native kernels over NumPy arrays.

    >>> import symdiff
    >>> x, y = symdiff.symbols("x y")
    >>> f = (1 - x)**2 + 100*(y - x**2)**2
    >>> f.grad()
    [-2*(1 - x) - 400*x*(y - x^2), 200*(y - x^2)]
    >>> k = symdiff.compile(f)            # f and its gradient, native code
    >>> value, (gx, gy) = k(X, Y)         # NumPy arrays, broadcast like a ufunc

Expressions are nodes of a hash-consed DAG held by a Context (one per process unless you make
your own); derivatives, printing and evaluation are the C++ library's, the same as the
symdiff program's.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from . import _symdiff
from ._symdiff import (  # noqa: F401  (re-exported)
    Context,
    Error,
    Expr,
    Kernel,
    ParseError,
    default_context,
)

# The built-in functions of the language, named as in the language (ln is also log).
from ._symdiff import (  # noqa: F401
    abs, acos, acosh, asin, asinh, atan, atan2, atanh, cbrt, cos, cosh, erf, exp, heaviside,
    ln, max, min, relu, sigmoid, sign, sin, sinh, softplus, sqrt, tan, tanh,
)

log = ln

# help() and reprs name the public module, not the native one behind it.
for _cls in (Context, Expr, Kernel, Error, ParseError):
    _cls.__module__ = "symdiff"

__all__ = [
    "Context", "Error", "Expr", "FitResult", "History", "Interrupted", "Kernel", "Loss", "MinimizeResult",
    "NoteWarning", "ParseError", "compile", "default_context", "diff", "E", "evaluate", "fit",
    "grad", "hessian", "jacobian", "minimize", "parse", "pi", "simplify", "steps", "subs",
    "symbol", "symbols", "abs", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh",
    "cbrt", "cos", "cosh", "erf", "exp", "heaviside", "ln", "log", "max", "min", "relu",
    "sigmoid", "sign", "sin", "sinh", "softplus", "sqrt", "tan", "tanh",
]

pi = _symdiff._constant("pi", None)
E = _symdiff._constant("e", None)


class NoteWarning(UserWarning):
    """A reading of the text that could have gone the other way: `xy` read as x*y."""


def parse(text: str, variables: Optional[Sequence[str] | str] = None,
          context: Optional[Context] = None) -> Expr:
    """The expression of a text in symdiff's language ("(1-x)^2 + 100*(y-x^2)^2").

    Names of several letters that are not declared in `variables` are read as products of
    their letters (`xy` is x*y), with a NoteWarning, as the symdiff program notes them.
    Raises ParseError (with the message, position and caret) for text that does not parse.
    """
    expr, notes, _ = _symdiff._parse(text, variables, context)
    for note in notes:
        warnings.warn(note, NoteWarning, stacklevel=2)
    return expr


def symbols(names: str, context: Optional[Context] = None):
    """Symbols from names separated by spaces or commas: `x, y = symbols("x y")`.

    One name gives one symbol; several give a tuple.
    """
    parts = [p for p in names.replace(",", " ").split() if p]
    if not parts:
        raise ValueError("symbols() needs at least one name")
    made = tuple(_symdiff._symbol(p, context) for p in parts)
    return made[0] if len(made) == 1 else made


def symbol(name: str, context: Optional[Context] = None) -> Expr:
    """The symbol with this name."""
    return _symdiff._symbol(name, context)


def _expr(f: Any) -> Expr:
    if isinstance(f, Expr):
        return f
    if isinstance(f, str):
        return parse(f)
    raise TypeError(f"expected a symdiff.Expr or an expression text, not {type(f).__name__}")


def compile(f, wrt=None, grad: bool = True, hessian: bool = False, backend: str = "jit",
            opt_level: int = 2, threads: int = 1) -> Kernel:
    return _symdiff.compile(_expr(f) if isinstance(f, str) else f, wrt, grad, hessian, backend, opt_level, threads)


# The native docstring without pybind11's signature line, which the wrapper's replaces.
compile.__doc__ = ("f: an Expr, or a text to parse. "
                   + _symdiff.compile.__doc__.split("\n\n", 1)[-1].strip())


def diff(f, *vars, order: int = 1, simplify: bool = True) -> Expr:
    """The derivative of f by vars in turn (by its only variable when none is named)."""
    return _expr(f).diff(*vars, order=order, simplify=simplify)


def grad(f, wrt=None, simplify: bool = True) -> list:
    """The gradient of f by wrt (default: f.variables, natural order), as a list."""
    return _expr(f).grad(wrt, simplify=simplify)


def hessian(f, wrt=None, simplify: bool = True) -> list:
    """The Hessian of f as a list of rows."""
    return _expr(f).hessian(wrt, simplify=simplify)


def jacobian(fs, wrt=None, simplify: bool = True) -> list:
    """The Jacobian of a list of expressions (or a list expression) as a list of rows."""
    if isinstance(fs, str):
        fs = parse(fs)
    if not isinstance(fs, Expr):
        items = [_expr(f) for f in fs]
        if not items:
            raise ValueError("jacobian() needs at least one expression")
        fs = _symdiff._list(items)
    return fs.jacobian(wrt, simplify=simplify)


def steps(f, wrt=None, format: str = "text") -> str:
    """The step-by-step derivation of df/d(wrt), as `symdiff diff --steps` prints it."""
    return _expr(f).steps(wrt, format)


def simplify(f) -> Expr:
    """The simplified form of f."""
    return _expr(f).simplify()


def subs(f, mapping=None, **values) -> Expr:
    """f with subexpressions replaced: subs(f, {x: 2*y}) or subs(f, x=1)."""
    return _expr(f).subs(mapping, **values)


def evaluate(f, at=None, **values):
    """The value of f at a point: evaluate(f, {"x": 1}) or evaluate(f, x=1)."""
    return _expr(f).evaluate(at, **values)


@dataclass
class History:
    """The recorded steps of a run, ready for matplotlib: step (int), x (one row per
    recorded step, one column per variable), f and grad_norm."""
    step: np.ndarray
    x: np.ndarray
    f: np.ndarray
    grad_norm: np.ndarray

    def __len__(self) -> int:
        return len(self.step)


@dataclass
class MinimizeResult:
    """The end of a minimize() run."""
    wrt: list
    x: np.ndarray
    value: float
    grad_norm: float
    steps: int
    verdict: str
    reason: str
    message: str
    method: str
    start: np.ndarray
    f_start: float
    grad_norm_start: float
    evaluations: int
    seconds: float
    point_kind: Optional[str]
    history: History
    interrupted: bool = False
    lr: float = 0.0

    @property
    def point(self) -> dict:
        """The final point by variable name."""
        return {n: float(v) for n, v in zip(self.wrt, self.x)}


@dataclass
class FitResult:
    """The end of a fit() run: params by name (vectors as arrays), the loss over all rows
    (curve[k] after epoch k, curve[0] at the start) and the parameters after each epoch (path)."""
    params: dict
    x: np.ndarray
    coordinates: list
    value: float
    grad_norm: float
    steps: int
    epochs: int
    verdict: str
    reason: str
    message: str
    method: str
    curve: np.ndarray
    path: np.ndarray
    rows: int
    batch: int
    threads: int
    seconds: float
    interrupted: bool = False


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or a notebook's interrupt) during minimize() or fit(): `result` holds the run
    up to the step it stopped at, history included."""

    def __init__(self, result):
        super().__init__(f"interrupted at step {result.steps}")
        self.result = result


_OPTIMISER_KEYS = ("momentum", "beta1", "beta2", "rho", "epsilon", "f_tol", "lbfgs_memory",
                   "momentum_form", "schedule")


def minimize(f, x0, *, wrt=None, method: str = "gd", lr: float = 0.001, steps: int = 10000,
             tol: float = 0.0, history_every: Optional[int] = None, backend: str = "jit",
             **options) -> MinimizeResult:
    """Minimises f from x0 (a dict by name, or values in wrt order) with the library's
    optimisers: method gd, momentum, nesterov, adam, rmsprop, lbfgs or newton; lr the rate;
    steps the most updates; tol the gradient norm to stop at. Other options: momentum, beta1,
    beta2, rho, epsilon, f_tol, lbfgs_memory, momentum_form, schedule ("exp:0.99", ...).

    history_every: record every k-th step (default: about 10,000 rows in all). Ctrl-C stops
    the run and raises Interrupted (a KeyboardInterrupt) carrying the result so far.
    """
    _check_options(options)
    if history_every is None:
        history_every = _max_int(1, -(-int(steps) // 10000))
    f = _expr(f)
    if wrt is None:
        wrt = f.variables  # the order parse() gave f's text, as the symdiff program uses
    d = _symdiff._minimize(f, x0, wrt, method, float(lr), int(steps), float(tol),
                           int(history_every), backend, **options)
    h = d["history"]
    result = MinimizeResult(
        wrt=d["wrt"], x=d["x"], value=d["value"], grad_norm=d["grad_norm"], steps=d["steps"],
        verdict=d["verdict"], reason=d["reason"], message=d["message"], method=d["method"],
        start=d["start"], f_start=d["f_start"], grad_norm_start=d["grad_norm_start"],
        evaluations=d["evaluations"], seconds=d["seconds"], point_kind=d["point"],
        history=History(step=h["step"], x=h["x"], f=h["f"], grad_norm=h["grad_norm"]),
        interrupted=d["interrupted"], lr=float(lr))
    if result.interrupted:
        raise Interrupted(result)
    return result


def fit(loss, data, params=None, *, init: Optional[Mapping[str, Any]] = None, method: str = "gd",
        lr: float = 0.01, epochs: int = 100, batch: int = 0, seed: int = 0, threads: int = 1,
        backend: str = "jit", **options) -> FitResult:
    """Fits the parameters of a loss over data, as `symdiff fit` does.

    loss: an expression over rows, e.g. parse("mean((m*x + b - y)^2)"); data: a dict of
    one-dimensional arrays or a pandas DataFrame (its columns by name); params: the names to
    fit (default: the loss's variables that are not columns); init: start values (0 when not
    given; a vector parameter x[i] takes an array). method, lr and the other options as for
    minimize(); epochs passes over the data, in mini-batches of `batch` rows (0: all rows)
    shuffled with `seed`; threads for the evaluation over many rows (0: every core).
    Ctrl-C raises Interrupted carrying the result so far.
    """
    _check_options(options)
    columns = {}
    for name, values in data.items():
        columns[str(name)] = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    d = _symdiff._fit(_loss_expr(loss, columns, params, init), columns, params, dict(init or {}), method, float(lr),
                      int(epochs), int(batch), int(seed), int(threads), backend, **options)
    x = d["x"]
    values = {}
    at = 0
    lengths = iter(d["vector_lengths"])
    scalars = len(d["params"]) - len(d["vector_lengths"])
    for i, name in enumerate(d["params"]):
        if i < scalars:
            values[name] = float(x[at])
            at += 1
        else:
            n = next(lengths)
            values[name] = x[at:at + n].copy()
            at += n
    result = FitResult(
        params=values, x=x, coordinates=d["coordinates"], value=d["value"],
        grad_norm=d["grad_norm"], steps=d["steps"], epochs=d["epochs"], verdict=d["verdict"],
        reason=d["reason"], message=d["message"], method=d["method"], curve=d["curve"],
        path=d["path"], rows=d["rows"], batch=d["batch"], threads=d["threads"],
        seconds=d["seconds"], interrupted=d["interrupted"])
    if result.interrupted:
        raise Interrupted(result)
    return result


def _loss_expr(loss, columns, params, init) -> Expr:
    """A loss given as text is read with its columns and parameters declared, as the symdiff
    program reads it: a column `score` is one variable, not s*c*o*r*e."""
    if not isinstance(loss, str):
        return _expr(loss)
    declared = [str(c) for c in columns] + [str(k) for k in (init or {})]
    if isinstance(params, str):
        declared += params.replace(",", " ").split()
    elif params is not None:
        declared += [p if isinstance(p, str) else p.name for p in params]
    return parse(loss, variables=declared)


class Loss(_symdiff.Loss):
    __doc__ = _symdiff.Loss.__doc__

    def __init__(self, loss, data, params=None, init=None, threads: int = 1, backend: str = "jit"):
        super().__init__(_loss_expr(loss, list(data.keys()), params, init), data, params, init, threads, backend)


def _check_options(options):
    for key in options:
        if key not in _OPTIMISER_KEYS:
            raise TypeError(f"unexpected keyword argument '{key}'")


def _max_int(a: int, b: int) -> int:
    return a if a > b else b
