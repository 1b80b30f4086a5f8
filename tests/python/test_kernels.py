# Compiled kernels over NumPy arrays: bit for bit against the reference interpreter and
# evaluate(), broadcasting, strides and dtypes, zero copies, threads, errors.
import threading
import tracemalloc

import numpy as np
import pytest

import symdiff

EXPRS = [
    "(1-x)^2+100*(y-x^2)^2",
    "sin(x*y) + exp(x)/(1+y^2)",
    "x^7 - y^-3 + sqrt(x^2 + y^2) + 1/sqrt(1 + y^2)",
    "ln(1 + x^2)*tanh(y) + x^y",
    "sigmoid(x - y)*relu(x) + softplus(y) + max(x, y) - min(x, 2*y) + abs(x - y)",
]


def bits(a):
    return np.asarray(a, dtype=np.float64).view(np.int64)


@pytest.fixture
def points():
    rng = np.random.default_rng(19)
    return rng.uniform(0.1, 2.0, 1000), rng.uniform(-1.5, 1.5, 1000)


@pytest.mark.parametrize("text", EXPRS)
def test_jit_equals_interpreter_bit_for_bit(text, points):
    f = symdiff.parse(text)
    x, y = points
    jit = symdiff.compile(f, wrt="x y", hessian=True)
    interp = symdiff.compile(f, wrt="x y", hessian=True, backend="interp")
    for a, b in zip(jit(x, y), interp(x, y)):
        assert np.array_equal(bits(a), bits(b))
    # calls with Python floats take another path: the same bits
    fa, ga, ha = jit(x, y)
    for i in range(0, 1000, 111):
        one = jit(float(x[i]), float(y[i]))
        assert bits(one[0]) == bits(fa[i])
        assert np.array_equal(bits(one[1]), bits(ga[:, i])) and np.array_equal(bits(one[2]), bits(ha[:, :, i]))
    # and the interpreter's kernel equals evaluate() of f and of each partial
    fv, g, h = interp(x, y)
    grad = f.grad("x y", simplify=False)
    hess = f.hessian("x y", simplify=False)
    for i in range(0, 1000, 97):
        at = {"x": x[i], "y": y[i]}
        assert bits(fv[i]) == bits(f.evaluate(at))
        assert [bits(g[j, i]) for j in range(2)] == [bits(e.evaluate(at)) for e in grad]
        assert bits(h[1, 0, i]) == bits(hess[1][0].evaluate(at))


def test_scalars_give_floats_and_arrays_keep_their_shape():
    k = symdiff.compile(symdiff.parse("(1-x)^2+100*(y-x^2)^2"))
    value, g = k(-1, 1)
    assert value == 4.0 and isinstance(value, float)
    assert g.shape == (2,) and g.tolist() == [-4.0, 0.0]
    assert k(x=-1, y=1)[0] == 4.0
    assert symdiff.compile(symdiff.parse("x*y"), grad=False)(2, 3) == 6.0
    assert symdiff.compile("x*y", wrt="y x", grad=False)(2, 3) == 6.0  # text is parsed
    v, g = k(np.zeros((3, 4)), np.ones((3, 4)))
    assert v.shape == (3, 4) and g.shape == (2, 3, 4)
    v, g, h = symdiff.compile(symdiff.parse("x^2*y"), hessian=True)(np.arange(5.0), 2.0)
    assert h.shape == (2, 2, 5)
    assert h[0, 0].tolist() == [4.0] * 5 and h[0, 1].tolist() == (2 * np.arange(5.0)).tolist()
    lst = symdiff.compile(symdiff.parse("[x + y, x*y]"), grad=False)(np.array([1.0, 2.0]), 3.0)
    assert lst.shape == (2, 2) and lst.tolist() == [[4.0, 5.0], [3.0, 6.0]]


def test_broadcasting_like_a_ufunc():
    f = symdiff.parse("x^2 + 3*x*y - y")
    k = symdiff.compile(f)
    xs = np.linspace(-1, 1, 3)[:, None]
    ys = np.linspace(0, 2, 4)[None, :]
    v, (gx, gy) = k(xs, ys)
    X, Y = np.broadcast_arrays(xs, ys)
    ref, (rx, ry) = k(np.ascontiguousarray(X), np.ascontiguousarray(Y))
    assert v.shape == (3, 4)
    assert np.array_equal(v, ref) and np.array_equal(gx, rx) and np.array_equal(gy, ry)
    assert np.array_equal(v, X**2 + 3*X*Y - Y)
    with pytest.raises(ValueError, match=r"^the inputs could not be broadcast together with shapes \(3,\) \(4,\)$"):
        k(np.zeros(3), np.zeros(4))


def test_strides_dtypes_and_sequences():
    k = symdiff.compile(symdiff.parse("sin(x)*y + x"))
    rng = np.random.default_rng(3)
    big = rng.uniform(-2, 2, (40, 30))
    x, y = big[::2, ::3], big.T[1::3, ::2].T  # both (20, 10), neither contiguous
    assert not x.flags.c_contiguous and not y.flags.c_contiguous
    v, g = k(x, y)
    v2, g2 = k(x.copy(), y.copy())
    assert np.array_equal(v, v2) and np.array_equal(g, g2)
    f32 = k(np.float32(0.5), np.arange(3, dtype=np.int32))
    assert np.array_equal(f32[0], k(0.5, np.arange(3.0))[0])
    assert np.array_equal(k([0.5, 1.0], [1, 2])[0], k(np.array([0.5, 1.0]), np.array([1.0, 2.0]))[0])
    empty_v, empty_g = k(np.zeros(0), 1.0)
    assert empty_v.shape == (0,) and empty_g.shape == (2, 0)


def test_contiguous_float64_inputs_are_not_copied():
    k = symdiff.compile(symdiff.parse("(1-x)^2+100*(y-x^2)^2"))
    n = 1_000_000
    x, y = np.linspace(-2, 2, n), np.linspace(-1, 3, n)
    k(x[:10], y[:10])
    tracemalloc.start()
    try:
        k(x, y)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        k(np.asfortranarray(x), x[::-1])  # the reversed view is copied once
        _, strided_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    outputs = 3 * 8 * n  # f and the two partials
    assert outputs <= peak < outputs + 8 * n // 4
    assert strided_peak >= outputs + 8 * n


def test_threads_share_a_kernel():
    f = symdiff.parse("sin(x*y) + exp(x)/(1+y^2)")
    k = symdiff.compile(f)
    rng = np.random.default_rng(5)
    inputs = [(rng.uniform(-1, 1, 20000), rng.uniform(-1, 1, 20000)) for _ in range(8)]
    expected = [k(*xy) for xy in inputs]
    results = [None] * len(inputs)

    def work(i):
        for _ in range(20):
            results[i] = k(*inputs[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (v, g), (ev, eg) in zip(results, expected):
        assert np.array_equal(v, ev) and np.array_equal(g, eg)


def test_sums_over_an_index():
    f = symdiff.parse("x*sum(i = 1..3, i^2) + y")
    k = symdiff.compile(f)
    value, g = k(2.0, 1.0)
    assert value == 29.0 and g.tolist() == [14.0, 1.0]
    v, g = k(np.array([2.0, 3.0]), 1.0)
    assert v.tolist() == [29.0, 43.0] and g.tolist() == [[14.0, 14.0], [1.0, 1.0]]


def test_kernel_arguments_and_errors():
    k = symdiff.compile(symdiff.parse("x + 2*y"), wrt=["y", "x"], grad=False)
    assert k.wrt == ("y", "x")
    assert k(1.0, 10.0) == 12.0 and k(x=10.0, y=1.0) == 12.0
    with pytest.raises(TypeError, match="^missing input 'x'$"):
        k(1.0)
    with pytest.raises(TypeError, match="^the kernel has no input named 'z'$"):
        k(1.0, z=2.0)
    with pytest.raises(TypeError, match=r"^the kernel takes 2 inputs \(3 given\)$"):
        k(1.0, 2.0, 3.0)
    with pytest.raises(symdiff.Error, match="^unknown variable 'y'$"):
        symdiff.compile(symdiff.parse("x + y"), wrt="x")
    with pytest.raises(symdiff.Error, match="^unknown backend 'gpu': use jit or interp$"):
        symdiff.compile(symdiff.parse("x"), backend="gpu")


def test_out_writes_into_the_callers_arrays():
    k = symdiff.compile(symdiff.parse("(1-x)^2+100*(y-x^2)^2"))
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-2, 2, (3, 50)), rng.uniform(-1, 3, (3, 50))
    expected_v, expected_g = k(x, y)
    v, g = np.full((3, 50), np.nan), np.full((2, 3, 50), np.nan)
    got = k(x, y, out=(v, g))
    assert got[0] is v and got[1] is g
    assert np.array_equal(bits(v), bits(expected_v)) and np.array_equal(bits(g), bits(expected_g))
    # None leaves that result to the call; a scalar point writes a 0-d f.
    v0 = np.empty(())
    got_v, got_g = k(0.5, 0.25, out=(v0, None))
    assert got_v is v0 and float(v0) == k(0.5, 0.25)[0] and got_g.tolist() == k(0.5, 0.25)[1].tolist()
    kf = symdiff.compile(symdiff.parse("x*y"), grad=False)
    f = np.empty(4)
    assert kf(np.arange(4.0), 2.0, out=f) is f and f.tolist() == [0.0, 2.0, 4.0, 6.0]
    assert kf(np.arange(4.0), 3.0, out=(f,)) is f and f.tolist() == [0.0, 3.0, 6.0, 9.0]
    kh = symdiff.compile(symdiff.parse("x^2*y"), hessian=True)
    h = np.empty((2, 2, 4))
    _, _, got_h = kh(np.arange(4.0), 1.0, out=(None, None, h))
    assert got_h is h and h[0, 0].tolist() == [2.0] * 4 and h[0, 1].tolist() == [0.0, 2.0, 4.0, 6.0]


def test_out_is_checked():
    k = symdiff.compile(symdiff.parse("(1-x)^2+100*(y-x^2)^2"))
    x, y = np.linspace(0, 1, 10), np.linspace(1, 2, 10)
    v, g = np.empty(10), np.empty((2, 10))
    with pytest.raises(TypeError, match=r"^out must be a tuple of 2 arrays \(f, gradient\), one per result$"):
        k(x, y, out=v)
    with pytest.raises(TypeError, match=r"^out must hold 2 arrays \(f, gradient\), not 3$"):
        k(x, y, out=(v, g, g))
    with pytest.raises(TypeError, match="^out\\[1\\] must be a NumPy array, not list$"):
        k(x, y, out=(v, [0.0] * 20))
    with pytest.raises(TypeError, match="^out\\[0\\] must have dtype float64, not float32$"):
        k(x, y, out=(np.empty(10, np.float32), g))
    with pytest.raises(ValueError, match=r"^out\[1\] has shape \(10, 2\); this call writes shape \(2, 10\)$"):
        k(x, y, out=(v, np.empty((10, 2))))
    with pytest.raises(ValueError, match=r"^out\[0\] has shape \(11,\); this call writes shape \(10,\)$"):
        k(x, y, out=(np.empty(11), g))
    with pytest.raises(ValueError, match=r"^out\[1\] must be C-contiguous$"):
        k(x, y, out=(v, np.empty((10, 2)).T))
    ro = np.empty(10)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=r"^out\[0\] is read-only$"):
        k(x, y, out=(ro, g))
    with pytest.raises(ValueError, match=r"^out\[0\] shares memory with input 'y'$"):
        k(x, y, out=(y, g))
    with pytest.raises(ValueError, match=r"^out\[1\] shares memory with out\[0\]$"):
        both = np.empty(30)
        k(x, y, out=(both[:10], both[5:25].reshape(2, 10)))
    # A checked call wrote nothing.
    before = g.copy()
    with pytest.raises(ValueError):
        k(x, y, out=(np.empty(3), g))
    assert np.array_equal(bits(g), bits(before))


def test_out_reuses_memory():
    k = symdiff.compile(symdiff.parse("(1-x)^2+100*(y-x^2)^2"))
    n = 1_000_000
    x, y = np.linspace(-2, 2, n), np.linspace(-1, 3, n)
    v, g = np.empty(n), np.empty((2, n))
    k(x, y, out=(v, g))
    tracemalloc.start()
    try:
        k(x, y, out=(v, g))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * n // 4
