#!/usr/bin/python3
"""Writes the example data sets under examples/data/ from the tutorials' own numpy code.

A developer tool: the CSV files are committed and CI never runs this. It needs numpy
(Debian: apt-get install python3-numpy). The generators repeat the seeds' code call for call,
because with the legacy global RNG (np.random.seed) the order of the draws decides every
number. Values are written with repr(), the shortest text that reads back as the same double,
so a C++ reader gets exactly the arrays the tutorials compute.

    /usr/bin/python3 scripts/make-datasets.py          # (re)write examples/data/*.csv
    /usr/bin/python3 scripts/make-datasets.py --check  # compare the committed files with the
                                                       # reference numbers of seed_cases.json

(/usr/bin/python3: Debian's numpy is installed for the system Python, not for a pyenv one.)
"""

import argparse
import json
import math
import pathlib
import re
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "data"
CASES = ROOT.parent / "shared" / "acceptance" / "seed_cases.json"


def s000_linreg():
    # seeds/000_7edbd713afa8df8e.txt lines 1710-1719
    np.random.seed(42)
    n_samples = 100
    w_true = 2.5
    b_true = 1.0
    X = np.random.uniform(-3, 3, n_samples)
    y = w_true * X + b_true + np.random.normal(0, 0.5, n_samples)
    return ["x", "y"], [X, y]


def s002_linreg():
    # seeds/002_11eeb8d7148f59c2.txt lines 1211-1216 (the solution, lines 1310-1315, draws the same)
    np.random.seed(42)
    N = 50
    x = np.random.uniform(-3, 3, N)
    y = 2 * x + 1 + np.random.normal(0, 0.5, N)
    return ["x", "y"], [x, y]


def s003_linreg():
    # seeds/003_b0de4df23e86863a.txt lines 547-549
    np.random.seed(42)
    X_data = np.linspace(0, 10, 50)
    y_data = 2 * X_data + 1 + np.random.randn(50) * 2
    return ["x", "y"], [X_data, y_data]


def s003_logistic():
    # seeds/003_b0de4df23e86863a.txt lines 654-658: the positive class is drawn first
    np.random.seed(42)
    X_pos = np.random.randn(50, 2) + np.array([2, 2])
    X_neg = np.random.randn(50, 2) + np.array([-2, -2])
    X = np.vstack([X_pos, X_neg])
    y = np.hstack([np.ones(50), np.zeros(50)])
    return ["x1", "x2", "y"], [X[:, 0], X[:, 1], y]


def s003_xor():
    # seeds/003_b0de4df23e86863a.txt lines 802-804: the four XOR examples (no randomness)
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
    y = np.array([0, 1, 1, 0], dtype=float)
    return ["x1", "x2", "y"], [X[0], X[1], y]


def poly():
    # Ours, for the seed's polynomial-regression extension (s002, lines 1404-1410).
    np.random.seed(7)
    n = 60
    x = np.random.uniform(-3, 3, n)
    y = 0.5 * x**2 - x + 2 + np.random.normal(0, 0.5, n)
    return ["x", "y"], [x, y]


def multi():
    # Ours, for the seed's two-feature extension (s002, line 1410).
    np.random.seed(11)
    n = 80
    x1 = np.random.uniform(-2, 2, n)
    x2 = np.random.uniform(-2, 2, n)
    y = 1.5 * x1 - 2.0 * x2 + 0.5 + np.random.normal(0, 0.3, n)
    return ["x1", "x2", "y"], [x1, x2, y]


DATASETS = {
    "s000_linreg": s000_linreg,
    "s002_linreg": s002_linreg,
    "s003_linreg": s003_linreg,
    "s003_logistic": s003_logistic,
    "s003_xor": s003_xor,
    "poly": poly,
    "multi": multi,
}


def write(name, names, columns):
    path = OUT / f"{name}.csv"
    with open(path, "w", newline="\n") as f:
        f.write(",".join(names) + "\n")
        for row in zip(*columns):
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    return path


def read(name):
    with open(OUT / f"{name}.csv") as f:
        names = f.readline().strip().split(",")
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    return names, np.array(rows).T


def load_cases():
    # Python's json wrote diverged runs as the bare tokens NaN / Infinity, which it reads back.
    with open(CASES) as f:
        return {c["id"]: c for c in json.load(f)}


def ols(features, y):
    A = np.column_stack(features + [np.ones_like(y)])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return coef, float(np.mean((A @ coef - y) ** 2))


def check():
    failures = []

    def expect(what, got, want, places=6):
        ok = round(float(got), places) == round(float(want), places) or math.isclose(got, want, abs_tol=0.6 * 10**-places)
        print(f"  {'ok  ' if ok else 'FAIL'} {what}: {got:.{places}f} (reference {want})")
        if not ok:
            failures.append(what)

    for name, make in DATASETS.items():
        names, columns = make()
        file_names, file_columns = read(name)
        same = file_names == names and all(np.array_equal(a, b, equal_nan=True) for a, b in zip(file_columns, columns))
        print(f"{name}.csv: {len(columns[0])} rows, {'identical to' if same else 'DIFFERENT from'} the generator's arrays")
        if not same:
            failures.append(f"{name}.csv content")

    cases = load_cases()
    for case_id, dataset, (w, b) in [("s000-linreg-gd", "s000_linreg", ("w", "b")),
                                     ("s002-linreg-project", "s002_linreg", ("m", "b")),
                                     ("s003-linreg-gradients", "s003_linreg", ("w", "b"))]:
        ref = cases[case_id]["reference"]
        _, (x, y) = read(dataset)
        print(f"{case_id} ({dataset}.csv):")
        expect("n", len(x), ref["n"], 0)
        (slope, intercept), mse = ols([x], y)
        expect(f"OLS {w}", slope, ref["ols_solution"][w])
        expect(f"OLS {b}", intercept, ref["ols_solution"][b])
        expect("OLS mse", mse, ref["ols_solution"]["mse"])
        point = ref.get("at_check_point")
        if point:
            pw, pb = point["at"][w], point["at"][b]
            err = pw * x + pb - y
            expect(f"loss at {point['at']}", np.mean(err**2), point["loss"])
            expect(f"dL/d{w} there", 2 * np.mean(err * x), point["grad"][w])
            expect(f"dL/d{b} there", 2 * np.mean(err), point["grad"][b])

    ref = cases["s003-logistic-bce"]["reference"]["at_w0_b0"]
    _, (x1, x2, y) = read("s003_logistic")
    print("s003-logistic-bce (s003_logistic.csv):")
    p = 1 / (1 + np.exp(-(0 * x1 + 0 * x2 + 0)))
    expect("loss at w=0, b=0", -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), ref["loss"])
    expect("dL/dw1 there", np.mean((p - y) * x1), ref["dL/dw"][0])
    expect("dL/dw2 there", np.mean((p - y) * x2), ref["dL/dw"][1])
    expect("dL/db there", np.mean(p - y), ref["dL/db"])

    for name in ("poly", "multi"):
        names, cols = read(name)
        features = [cols[0] ** 2, cols[0]] if name == "poly" else list(cols[:-1])
        coef, mse = ols(features, cols[-1])
        print(f"{name}.csv: OLS coefficients {[round(float(c), 6) for c in coef]}, mse {mse:.6f}")

    if failures:
        print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
        return 1
    print("all checks passed")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare the committed CSVs with seed_cases.json")
    args = parser.parse_args()
    if args.check:
        return check()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in DATASETS.items():
        names, columns = make()
        path = write(name, names, columns)
        print(f"wrote {path.relative_to(ROOT)}: {len(columns[0])} rows x {len(names)} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
