# Reference counts and memory over many compile/call cycles: nothing a cycle makes may
# outlive it (private Contexts are freed with their last expression, kernels with their
# machine code, arrays with their last reference).
import gc
import os
import sys

import numpy as np

import symdiff


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cycle(i, xs, ys):
    c = symdiff.Context()
    x, y = symdiff.symbols("x y", context=c)
    # a constant of its own each time: new nodes in each cycle's Context
    f = (1 - x)**2 + (100 + i)*(y - x**2)**2 + symdiff.parse("sin(x*y)", context=c)
    k = symdiff.compile(f, backend="interp")
    v, g = k(xs, ys)
    assert f.grad()[1].evaluate(x=0.5, y=0.25) == g[1][0]
    return v[0]


def test_100000_cycles_keep_memory_bounded():
    xs, ys = np.full(8, 0.5), np.full(8, 0.25)
    refs = sys.getrefcount(xs), sys.getrefcount(ys)
    for i in range(2000):
        cycle(i, xs, ys)
    gc.collect()
    before = rss_bytes()
    for i in range(2000, 100_000):
        cycle(i, xs, ys)
    gc.collect()
    grown = rss_bytes() - before
    assert grown < 4 << 20, f"RSS grew by {grown} bytes over 98,000 cycles"
    assert (sys.getrefcount(xs), sys.getrefcount(ys)) == refs


def test_jit_kernels_free_their_code():
    f = symdiff.parse("(1-x)^2+100*(y-x^2)^2")
    x = np.linspace(-1, 1, 100)
    for _ in range(30):
        symdiff.compile(f, hessian=True)(x, x)
    gc.collect()
    before = rss_bytes()
    for i in range(200):
        k = symdiff.compile(f, hessian=True)
        k(x, x)
    del k
    gc.collect()
    grown = rss_bytes() - before
    assert grown < 8 << 20, f"RSS grew by {grown} bytes over 200 JIT compilations"


def test_results_hold_no_hidden_references():
    k = symdiff.compile(symdiff.parse("x*y"))
    x = np.arange(10.0)
    base = sys.getrefcount(x)
    for _ in range(1000):
        v, g = k(x, 2.0)
    assert sys.getrefcount(x) == base
    assert sys.getrefcount(v) == 2 and sys.getrefcount(g) == 2
    f = symdiff.parse("x + 1")
    base = sys.getrefcount(f)
    for _ in range(1000):
        f.grad()
        f + 1
        f.evaluate(x=1)
    assert sys.getrefcount(f) == base
