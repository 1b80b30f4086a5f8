"""Rosenbrock f and its gradient with vectorised NumPy, the work bench_batch times in C++:
over 10^6 random points and over a 1000x1000 grid (broadcasting the axes, as a NumPy user
writes it). Best of several repeats, CPU time, in milliseconds. bench/run_batch.sh runs it
beside bench_batch.

    /usr/bin/python3 bench/batch_numpy.py [--repeats N]
"""
import argparse
import time

import numpy as np


def best(fn, repeats, clock=time.process_time):
    """The shortest of `repeats` timed calls of fn, after one untimed call; CPU time by
    default, wall time with clock=time.perf_counter (a command that waits on a child)."""
    fn()
    times = []
    for _ in range(repeats):
        t = clock()
        fn()
        times.append(clock() - t)
    return min(times)


def rosenbrock(x, y):
    a = 1 - x
    b = y - x * x
    return a * a + 100 * b * b, -2 * a - 400 * x * b, 200 * b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    rng = np.random.default_rng(42)
    n = 1_000_000
    x = rng.uniform(-2, 2, n)
    y = rng.uniform(-1, 3, n)
    xs = np.linspace(-2, 2, 1000)
    ys = np.linspace(-1, 3, 1000)
    gx, gy = xs[None, :], ys[:, None]
    points = best(lambda: rosenbrock(x, y), args.repeats)
    grid = best(lambda: rosenbrock(gx, gy), args.repeats)
    print(f"numpy {np.__version__}")
    print(f"numpy_points  {points * 1e3:8.2f} ms   (10^6 points, f and gradient)")
    print(f"numpy_grid    {grid * 1e3:8.2f} ms   (1000x1000 grid, f and gradient)")


if __name__ == "__main__":
    main()
