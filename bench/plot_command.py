"""The whole `symdiff plot` command for the Rosenbrock pictures, against NumPy evaluating the
same grid, in one run (bench/README.md "## The plot command"). Wall times, best of several
repeats, in milliseconds:

  1. `symdiff plot` of Rosenbrock's contours over x=-2..2, y=-1..3 (log levels), to SVG;
  2. `symdiff minimize ... --lr 0.001 --steps 10000 --plot`: the descent path over the
     contours and the loss curve, to SVG;
  3. gnuplot alone redrawing each picture from the script and data `--plot-data` kept, so the
     rest (parsing, compiling, sampling, the run, writing the data) is symdiff's share;
  4. NumPy evaluating f and its gradient over the grid the picture samples, and over
     1000 x 1000 (bench_batch times the same grids in C++: BM_hand_grid, BM_batch_grid_*).

    /usr/bin/python3 bench/plot_command.py [--symdiff out/release/tools/symdiff/symdiff] [--repeats N]

Not a test: nothing is asserted.
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np

from batch_numpy import best as best_of, rosenbrock

ROSENBROCK = "(1-x)^2 + 100(y-x^2)^2"


def best(fn, repeats):
    return best_of(fn, repeats, clock=time.perf_counter)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--symdiff", default="out/release/tools/symdiff/symdiff")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    exe = os.path.abspath(args.symdiff)
    work = tempfile.mkdtemp(prefix="symdiff-plot-bench-")

    def run(*cmd, cwd=work):
        subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)

    contour = [exe, "plot", ROSENBROCK, "--range", "x=-2..2,y=-1..3", "--levels", "20", "-o", "r.svg"]
    descent = [exe, "minimize", ROSENBROCK, "--from", "x=-1,y=1", "--lr", "0.001", "--steps", "10000",
               "--plot", "p.svg"]
    rows = [
        ("symdiff plot (contours, SVG)", best(lambda: run(*contour), args.repeats)),
        ("symdiff minimize --plot (path, SVG)", best(lambda: run(*descent), args.repeats)),
    ]
    run(*contour, "--plot-data", "rd")
    run(*descent, "--plot-data", "pd")
    rows.append(("  gnuplot alone: the contour picture",
                 best(lambda: run("gnuplot", "plot.gp", cwd=os.path.join(work, "rd")), args.repeats)))
    rows.append(("  gnuplot alone: the path picture",
                 best(lambda: run("gnuplot", "plot.gp", cwd=os.path.join(work, "pd")), args.repeats)))
    for n in (100, 1000):
        gx = np.linspace(-2, 2, n)[None, :]
        gy = np.linspace(-1, 3, n)[:, None]
        rows.append((f"NumPy f and gradient, {n}x{n} grid", best(lambda: rosenbrock(gx, gy), args.repeats)))
    print(f"numpy {np.__version__}")
    for name, seconds in rows:
        print(f"  {name:<42} {seconds * 1e3:9.2f} ms")


if __name__ == "__main__":
    main()
