#!/usr/bin/env python3
"""The form measure: is symdiff's printed derivative no longer than SymPy's simplify(diff(f))?

    python3 bench/forms/measure.py [--symdiff PATH] [--cases N] [--worst K] [--all]

Reads the seed corpus (../shared/acceptance/seed_cases.json: every derivative, partial,
gradient and Jacobian case, one derivative per variable) and bench/forms/textbook.txt, runs
`symdiff diff EXPR --wrt v` on each, and compares its length in tokens with SymPy's
simplify(diff(f, v)) printed the same way (`^` for powers, `ln` for log). A token is a number,
a name, or one operator or bracket. It also checks each printed derivative against SymPy's at
random points, so a short but wrong form cannot count. SymPy is the reference here only
(Debian's python3-sympy, scripts/install-deps.sh); the unit tests do not use it.
"""
import argparse
import json
import math
import os
import random
import re
import subprocess
import sys

import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOKEN = re.compile(r"\d+\.?\d*(?:e[+-]?\d+)?|\.\d+|[A-Za-z_][A-Za-z_0-9]*|\*\*|\S")


class sigmoid(sp.Function):
    def fdiff(self, argindex=1):
        return sigmoid(self.args[0]) * (1 - sigmoid(self.args[0]))

    # A value at a point, so the numeric check compares sigmoid forms too (without it every
    # form with sigmoid in it counted as different).
    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)


class softplus(sp.Function):
    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_evalf(self, prec):
        return sp.log(1 + sp.exp(self.args[0]))._eval_evalf(prec)


class relu(sp.Function):
    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0])


NAMES = {"ln": sp.log, "log": sp.log, "exp": sp.exp, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos,
         "tan": sp.tan, "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh,
         "tanh": sp.tanh, "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh, "abs": sp.Abs,
         "erf": sp.erf, "sign": sp.sign, "heaviside": sp.Heaviside, "sigmoid": sigmoid, "softplus": softplus,
         "relu": relu, "max": sp.Max, "min": sp.Min, "pi": sp.pi, "e": sp.E, "E": sp.E,
         "sec": sp.sec, "csc": sp.csc, "cot": sp.cot, "cbrt": lambda a: sp.real_root(a, 3),
         "atan2": sp.atan2, "log10": lambda a: sp.log(a, 10), "log2": lambda a: sp.log(a, 2)}


def to_sympy(text):
    text = text.replace("^", "**").replace("·", "*").replace("−", "-")
    names = dict(NAMES)
    for name in set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text)):
        if name not in names:
            names[name] = sp.Symbol(name, real=True)
    return sp.sympify(text, locals=names, rational=True)


def printed(e):
    s = sp.sstr(e, order="none")
    return s.replace("**", "^").replace("log(", "ln(")


def tokens(text):
    return len(TOKEN.findall(text))


def symdiff_diff(exe, expr, var):
    r = subprocess.run([exe, "diff", expr, "--wrt", var], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return r.stdout.strip().splitlines()[-1], None


def seed_cases():
    path = os.path.join(ROOT, "..", "shared", "acceptance", "seed_cases.json")
    if not os.path.exists(path):
        path = "/work/shared/acceptance/seed_cases.json"
    text = open(path).read()
    for tok in ("-Infinity", "Infinity", "NaN"):
        text = text.replace(tok, "null")
    out = []
    for c in json.loads(text):
        if c.get("kind") not in ("derivative", "partial", "gradient", "jacobian"):
            continue
        if not c.get("expr") or c.get("defs") or c["expr"].startswith("["):
            continue
        for v in c["vars"]:
            out.append(("seed " + c["id"], c["expr"], v))
    return out


def textbook_cases():
    out = []
    for line in open(os.path.join(HERE, "textbook.txt")):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        expr, _, wrt = line.partition(";")
        wrt = wrt.strip()[4:] if wrt.strip().startswith("wrt=") else None
        out.append(("textbook", expr.strip(), wrt))
    return out


def numerically_equal(a, b, var_syms, rng):
    """a == b at random points where both are defined (real values)."""
    checked = 0
    for _ in range(40):
        point = {s: sp.Float(rng.uniform(0.2, 2.5)) for s in var_syms}
        try:
            va = complex(sp.N(a.subs(point)))
            vb = complex(sp.N(b.subs(point)))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not all(math.isfinite(x) for x in (va.real, va.imag, vb.real, vb.imag)):
            continue
        if abs(va - vb) > 1e-8 * max(1.0, abs(va), abs(vb)):
            return False
        checked += 1
        if checked >= 5:
            break
    return checked > 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--symdiff", default=os.path.join(ROOT, "out", "release", "tools", "symdiff", "symdiff"))
    ap.add_argument("--cases", type=int, default=0, help="only the first N cases")
    ap.add_argument("--worst", type=int, default=15)
    ap.add_argument("--all", action="store_true", help="list every case")
    args = ap.parse_args()
    rng = random.Random(20)
    cases = seed_cases() + textbook_cases()
    if args.cases:
        cases = cases[: args.cases]
    rows, errors = [], []
    seen = set()
    for source, expr, var in cases:
        f = to_sympy(expr)
        syms = sorted(f.free_symbols, key=lambda s: s.name)
        if var is None:
            # One variable, or x among parameters (a*x + b)/(c*x + d); x for a constant.
            names = [s.name for s in syms]
            if len(names) > 1 and "x" not in names:
                errors.append((expr, "needs --wrt"))
                continue
            var = names[0] if len(names) == 1 else "x"
        if (expr, var) in seen:
            continue
        seen.add((expr, var))
        ours, err = symdiff_diff(args.symdiff, expr, var)
        if ours is None:
            errors.append((expr, err))
            continue
        d = sp.diff(f, sp.Symbol(var, real=True))
        ref = printed(sp.simplify(d))
        ok = numerically_equal(to_sympy(ours), d, syms, rng)
        rows.append({"source": source, "expr": expr, "var": var, "symdiff": ours, "sympy": ref,
                     "t_symdiff": tokens(ours), "t_sympy": tokens(ref), "equal": ok})
    n = len(rows)
    shorter = sum(r["t_symdiff"] <= r["t_sympy"] for r in rows)
    wrong = [r for r in rows if not r["equal"]]
    seed = [r for r in rows if r["source"].startswith("seed")]
    print(f"cases: {n} ({len(seed)} from the seed corpus, {n - len(seed)} textbook)")
    print(f"symdiff no longer than SymPy's simplify: {shorter}/{n} = {100.0 * shorter / max(n, 1):.1f}%")
    print(f"  seed corpus: {sum(r['t_symdiff'] <= r['t_sympy'] for r in seed)}/{len(seed)}")
    print(f"tokens in all: symdiff {sum(r['t_symdiff'] for r in rows)}, SymPy {sum(r['t_sympy'] for r in rows)}")
    print(f"numerically different from SymPy's derivative: {len(wrong)}")
    for r in wrong:
        print(f"  WRONG d/d{r['var']} {r['expr']}: {r['symdiff']}  vs  {r['sympy']}")
    for e, why in errors:
        print(f"  not run: {e}: {why}")
    longer = sorted((r for r in rows if r["t_symdiff"] > r["t_sympy"]),
                    key=lambda r: (r["t_symdiff"] - r["t_sympy"], r["t_symdiff"]), reverse=True)
    print(f"\nlonger than SymPy ({len(longer)}), worst first:")
    for r in longer[: args.worst if not args.all else None]:
        print(f"  +{r['t_symdiff'] - r['t_sympy']:<3} d/d{r['var']} {r['expr']}\n"
              f"        symdiff {r['symdiff']}\n        sympy   {r['sympy']}")
    if args.all:
        print("\nall cases:")
        for r in rows:
            print(f"  {r['t_symdiff']:>3} {r['t_sympy']:>3}  d/d{r['var']} {r['expr']}:  {r['symdiff']}  |  {r['sympy']}")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
