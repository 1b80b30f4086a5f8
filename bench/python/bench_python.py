"""symdiff from Python against the tools a Python user would pick instead, in one run.

    PYTHONPATH=out/release/python /usr/bin/python3 bench/python/bench_python.py [--quick]

Compares, each as the best of several repeats (wall time):
  1. Rosenbrock f and its gradient over 10^6 points: a symdiff kernel, SymPy's lambdify
     (NumPy backend), NumPy written by hand, and PyTorch autograd when it is installed;
  2. the overhead of one call with scalar arguments;
  3. the mean squared error of a line and its gradient over 10^6 rows: symdiff.Loss,
     NumPy by hand (and PyTorch);
  4. 10,000 gradient-descent steps on Rosenbrock: driven from Python through a kernel,
     by NumPy/math by hand, and symdiff.minimize running the loop natively.
Not a test: nothing is asserted. The figures go in bench/README.md ("## Python").
"""
import argparse
import math
import os
import subprocess
import time

import numpy as np

import symdiff


def best(fn, repeats):
    fn()  # warm up (first-touch of outputs, lazy compilation)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def row(name, seconds, unit_count=None, unit=""):
    extra = f"   {seconds / unit_count * 1e9:8.1f} ns/{unit}" if unit_count else ""
    print(f"  {name:<40} {seconds * 1e3:10.3f} ms{extra}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--reference", default=os.path.join(os.path.dirname(symdiff.__file__), "..",
                                                       "bench_python_reference"),
                    help="the C++ side (built with SYMDIFF_BUILD_BENCH beside the package)")
    args = ap.parse_args()
    cpp = {}
    if os.path.exists(args.reference):
        out = subprocess.run([args.reference], capture_output=True, text=True, check=True).stdout
        cpp = {name: float(ms) / 1e3 for name, ms in (line.split() for line in out.splitlines())}
    repeats = 3 if args.quick else 7
    try:
        import torch
    except ImportError:
        torch = None
    import sympy

    n = 1_000_000
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(-2, 2, n), rng.uniform(-1, 3, n)
    f = symdiff.parse("(1-x)^2+100*(y-x^2)^2")

    print(f"1. Rosenbrock f and grad f over {n:,} points")
    k = symdiff.compile(f)
    if "rosenbrock" in cpp:
        row("C++: BatchKernel::run (outputs reused)", cpp["rosenbrock"], n, "point")
    row("symdiff kernel (JIT, 1 thread)", best(lambda: k(X, Y), repeats), n, "point")
    V, G = np.empty(n), np.empty((2, n))
    row("symdiff kernel (JIT, 1 thread, out=)", best(lambda: k(X, Y, out=(V, G)), repeats), n, "point")
    k2 = symdiff.compile(f, threads=0)
    row("symdiff kernel (JIT, every core)", best(lambda: k2(X, Y), repeats), n, "point")
    ki = symdiff.compile(f, backend="interp")
    row("symdiff kernel (interpreter)", best(lambda: ki(X, Y), repeats), n, "point")
    sx, sy = sympy.symbols("x y")
    sf = (1 - sx)**2 + 100*(sy - sx**2)**2
    lam = sympy.lambdify((sx, sy), [sf, sympy.diff(sf, sx), sympy.diff(sf, sy)], "numpy")
    row("SymPy lambdify (numpy)", best(lambda: lam(X, Y), repeats), n, "point")

    def by_hand(x, y):
        t = y - x * x
        u = 1 - x
        return u * u + 100 * t * t, -2 * u - 400 * x * t, 200 * t
    row("NumPy by hand", best(lambda: by_hand(X, Y), repeats), n, "point")
    if torch is not None:
        tx, ty = torch.from_numpy(X), torch.from_numpy(Y)

        def autograd():
            x = tx.clone().requires_grad_()
            y = ty.clone().requires_grad_()
            v = (1 - x)**2 + 100*(y - x**2)**2
            v.sum().backward()
            return v.detach(), x.grad, y.grad
        row("PyTorch autograd", best(autograd, repeats), n, "point")
    else:
        print("  PyTorch autograd                         (not installed)")

    print("2. one call with scalar arguments")
    calls = 100_000
    row("symdiff kernel k(x, y)", best(lambda: [k(0.5, 0.25) for _ in range(calls)], repeats) , calls, "call")
    row("symdiff f.evaluate(x=, y=)", best(lambda: [f.evaluate(x=0.5, y=0.25) for _ in range(calls // 10)],
                                             repeats), calls // 10, "call")
    row("SymPy lambdify", best(lambda: [lam(0.5, 0.25) for _ in range(calls)], repeats), calls, "call")
    row("Python by hand (floats)", best(lambda: [by_hand(0.5, 0.25) for _ in range(calls)], repeats), calls, "call")

    print(f"3. mean squared error of a line and its gradient over {n:,} rows")
    xs = rng.uniform(-3, 3, n)
    ys = 2.5 * xs + 1 + rng.normal(0, 0.5, n)
    loss = symdiff.Loss("mean((m*x + b - y)^2)", {"x": xs, "y": ys})
    if "mse_loss_1_thread" in cpp:
        row("C++: Loss::operator() (1 thread)", cpp["mse_loss_1_thread"], n, "row")
    row("symdiff.Loss (JIT, 1 thread)", best(lambda: loss([2.0, 0.5]), repeats), n, "row")
    loss_all = symdiff.Loss("mean((m*x + b - y)^2)", {"x": xs, "y": ys}, threads=0)
    row(f"symdiff.Loss (JIT, {loss_all.threads} threads)", best(lambda: loss_all([2.0, 0.5]), repeats), n, "row")

    def mse(m, b):
        r = m * xs + b - ys
        return np.mean(r * r), np.mean(2 * r * xs), np.mean(2 * r)
    row("NumPy by hand", best(lambda: mse(2.0, 0.5), repeats), n, "row")
    if torch is not None:
        txs, tys = torch.from_numpy(xs), torch.from_numpy(ys)

        def torch_mse():
            m = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
            b = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
            v = ((m * txs + b - tys)**2).mean()
            v.backward()
            return v.item(), m.grad.item(), b.grad.item()
        row("PyTorch autograd", best(torch_mse, repeats), n, "row")

    steps = 10_000
    print(f"4. {steps:,} gradient-descent steps on Rosenbrock (lr 0.001 from (-1, 1))")

    def python_loop():
        x, y = -1.0, 1.0
        for _ in range(steps):
            _, g = k(x, y)
            x -= 0.001 * g[0]
            y -= 0.001 * g[1]
        return x, y

    def hand_loop():
        x, y = -1.0, 1.0
        for _ in range(steps):
            _, gx, gy = by_hand(x, y)
            x -= 0.001 * gx
            y -= 0.001 * gy
        return x, y
    row("loop in Python over a symdiff kernel", best(python_loop, repeats), steps, "step")
    row("loop in Python by hand (floats)", best(hand_loop, repeats), steps, "step")
    row("symdiff.minimize (compiles, then native)", best(lambda: symdiff.minimize(f, [-1, 1], lr=0.001, steps=steps,
                                                                                 history_every=steps), repeats),
        steps, "step")
    long = 1_000_000
    row(f"symdiff.minimize, {long:,} steps", best(lambda: symdiff.minimize(f, [-1, 1], lr=0.001, steps=long,
                                                                           history_every=long), repeats),
        long, "step")
    native = symdiff.minimize(f, [-1, 1], lr=0.001, steps=steps, history_every=steps)
    px, py = python_loop()
    print(f"  (the Python loop over the kernel ends at the native run's point: {(px, py) == tuple(native.x)})")


if __name__ == "__main__":
    main()
