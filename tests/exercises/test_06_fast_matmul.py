"""Graded tests for lesson 06: the matmul ladder (naive, ikj, blocked), its cost, its speed.

Each kernel runs first as plain Python on tiny odd shapes (so a stub fails at once with
NotImplementedError), then compiled by Numba on larger odd shapes. Loop order is checked by
recording which elements of B the plain-Python kernel reads, in which order.
"""

import numpy as np
import pytest

SHAPES = [(1, 1, 1), (3, 5, 7), (7, 1, 4), (5, 6, 1)]  # (M, K, N), tiny: plain Python
JIT_SHAPES = [(33, 17, 29), (1, 127, 7), (65, 64, 3)]  # compiled by Numba


@pytest.fixture
def m(load_exercise):
    return load_exercise("06_fast_matmul")


class Recorder:
    """Wraps an array and logs the flat indices of the elements each read touches, in order."""

    def __init__(self, array):
        self.array = array
        self.shape, self.dtype = array.shape, array.dtype
        self.flat = np.arange(array.size).reshape(array.shape)
        self.reads = []

    def __len__(self):
        return len(self.array)

    def __getitem__(self, index):
        self.reads.extend(np.atleast_1d(self.flat[index]).ravel().tolist())
        return self.array[index]


def _recorded_b_reads(kernel, a, b, *args):
    """Run `kernel` on (a, Recorder(b)); check its result; return B's flat read order."""
    rec = Recorder(b)
    out = kernel(a, rec, *args)
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12, err_msg="C != A @ B")
    assert rec.reads, "the kernel never read b[...] element by element"
    return np.array(rec.reads)


def _contiguous_fraction(reads):
    """Share of consecutive reads that step to the next element in memory (stride 1)."""
    return float(np.mean(np.diff(reads) == 1))


def _median_reuse_distance(reads):
    """Median number of distinct elements read between two reads of the same element."""
    last, distances = {}, []
    for t, r in enumerate(reads.tolist()):
        if r in last:
            distances.append(len(set(reads[last[r] + 1 : t].tolist())))
        last[r] = t
    return float(np.median(distances))


def _run(kernel, name, a, b, *args):
    """kernel(a, b, *args); an exception from inside the loops is reported with the shapes."""
    try:
        return kernel(a, b, *args)
    except (IndexError, ValueError, TypeError, ZeroDivisionError) as err:
        tile = f", tile={args[0]}" if args else ""
        pytest.fail(
            f"{name}(a {a.shape}, b {b.shape}{tile}) raised {type(err).__name__}: {err}. "
            "Check every loop bound: i < M = a.shape[0], k < K = a.shape[1], j < N = "
            "b.shape[1]" + (", and end each tile at min(start + tile, size)" if args else "")
        )


def _diagnose(name, out, a, b, args):
    """A message naming the mistake when out matches a known wrong result, else None."""
    if np.allclose(out, np.outer(a[:, -1], b[-1]), atol=1e-12) and a.shape[1] > 1:
        return (f"{name} kept only the last k term: accumulate with += (or a running sum), "
                "do not assign out[i, j] = a[i, k] * b[k, j]")
    if args and np.any(out == 0):  # random products are never exactly 0
        return (f"{name} with tile={args[0]} left some entries of C at 0 (a {a.shape} @ "
                f"b {b.shape}): the last, shorter tile of some range was skipped; loop tile "
                "starts over range(0, size, tile) and end each tile at min(start + tile, size)")
    return None


def _check_kernel(m, name, rng, *args):
    kernel = getattr(m, name)
    for shape_m, shape_k, shape_n in SHAPES:
        a = rng.standard_normal((shape_m, shape_k))
        b = rng.standard_normal((shape_k, shape_n))
        a_before, b_before = a.copy(), b.copy()
        out = _run(kernel, name, a, b, *args)
        assert np.shape(out) == (shape_m, shape_n), (
            f"{name} returned shape {np.shape(out)} for a {a.shape} @ b {b.shape}; "
            f"expected (M, N) = {(shape_m, shape_n)}"
        )
        assert np.array_equal(a, a_before) and np.array_equal(b, b_before), (
            f"{name} changed its inputs a or b: write only into the new output array"
        )
        if not np.allclose(out, a @ b, rtol=1e-12, atol=1e-12):
            pytest.fail(_diagnose(name, out, a, b, args) or (
                f"{name}: C[i, j] != sum_k A[i, k] B[k, j] for a {a.shape} @ b {b.shape}"
                + (f" with tile={args[0]}" if args else "")
                + f"; max error {np.max(np.abs(out - a @ b)):.3g}"))
    fast = m.jit(kernel)
    for shape_m, shape_k, shape_n in JIT_SHAPES:
        for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-4)):
            a = rng.standard_normal((shape_m, shape_k)).astype(dtype)
            b = rng.standard_normal((shape_k, shape_n)).astype(dtype)
            out = fast(a, b, *args)
            assert out.dtype == dtype, (
                f"{name} turned {np.dtype(dtype).name} inputs into {out.dtype}: create the "
                "output with np.zeros((M, N), a.dtype)"
            )
            np.testing.assert_allclose(
                out,
                a.astype(np.float64) @ b.astype(np.float64),
                rtol=tol,
                atol=tol,
                err_msg=f"compiled {name} != np.matmul for a {a.shape} @ b {b.shape}",
            )


@pytest.mark.exercise("06.1")
@pytest.mark.points(2)
def test_naive_matches_numpy(m, rng):
    _check_kernel(m, "matmul_naive", rng)
    out = m.matmul_naive(np.zeros((3, 0)), np.zeros((0, 2)))
    np.testing.assert_array_equal(
        out, np.zeros((3, 2)), err_msg="with K = 0 the sum is empty: C must be all zeros (3, 2)"
    )


@pytest.mark.exercise("06.2")
@pytest.mark.points(2)
def test_ikj_matches_numpy(m, rng):
    _check_kernel(m, "matmul_ikj", rng)


@pytest.mark.exercise("06.2")
@pytest.mark.points(1)
def test_ikj_walks_rows_of_b(m, rng):
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((6, 9))
    reads = _recorded_b_reads(m.matmul_ikj, a, b)
    share = _contiguous_fraction(reads)
    assert share > 0.8, (
        f"only {share:.0%} of your reads of B step to the next element in memory: the inner "
        "loop still walks down a column of B (stride N). Put the j loop innermost (i, k, j) "
        "so it reads b[k, j], b[k, j + 1], ... along a row"
    )


@pytest.mark.exercise("06.3")
@pytest.mark.points(2)
def test_blocked_matches_numpy(m, rng):
    for tile in (1, 2, 3, 64):  # tiles that divide nothing, and one larger than every size
        _check_kernel(m, "matmul_blocked", rng, tile)


@pytest.mark.exercise("06.3")
@pytest.mark.points(1)
def test_blocked_reuses_a_tile_of_b(m, rng):
    tile = 4
    a, b = rng.standard_normal((6, 16)), rng.standard_normal((16, 16))
    reads = _recorded_b_reads(m.matmul_blocked, a, b, tile)
    distance = _median_reuse_distance(reads)
    assert distance <= 2 * tile * tile, (
        f"between two reads of the same element of B your kernel reads {distance:.0f} other "
        f"elements of B (median); with tile={tile} it should re-read it after at most one "
        f"{tile} x {tile} tile ({tile * tile}). Cut all three loops i, k AND j into tiles, "
        "tile loops outside, element loops inside"
    )
    assert _contiguous_fraction(reads) > 0.5, (
        "inside a tile the inner loop should run along a row of B (j innermost), as in ikj"
    )


@pytest.mark.exercise("06.4")
@pytest.mark.points(1)
def test_matmul_cost(m):
    flops, nbytes, intensity = m.matmul_cost(3, 5, 7, itemsize=8)
    terms = 3 * 7 * 5  # M N output entries, K products each
    if flops == terms:
        pytest.fail(f"flops = {flops} = M K N: each of the K products in an entry of C is one "
                    "multiply AND one add, 2 M K N = 210")
    assert flops == 2 * terms, (
        f"flops = {flops}; C has 3 x 7 entries, each a sum of 5 products: one multiply and "
        "one add per product gives 2 M K N = 210"
    )
    if nbytes == 8 * (15 + 35):
        pytest.fail(f"nbytes = {nbytes} counts A and B only: C (M x N = 21 entries) is written "
                    "to memory too, 8 * (15 + 35 + 21) = 568")
    assert nbytes == 8 * (15 + 35 + 21), (
        f"nbytes = {nbytes}; A has 15, B 35 and C 21 entries of 8 bytes: 568"
    )
    for value, what in ((flops, "flops"), (nbytes, "nbytes")):
        assert isinstance(value, int | np.integer), (
            f"{what} is a {type(value).__name__}; it is a count: return an int (2 * m * k * n, "
            "not 2.0 * ...)"
        )
    if intensity == pytest.approx(nbytes / flops):
        pytest.fail("intensity is flops per byte (flops / nbytes), you returned bytes per flop")
    assert intensity == pytest.approx(flops / nbytes), (
        f"intensity = {intensity}; it is flops / nbytes = {flops / nbytes:.4f}"
    )
    _, _, i64 = m.matmul_cost(256, 256, 256, itemsize=8)
    _, _, i32 = m.matmul_cost(256, 256, 256, itemsize=4)
    _, _, i64_big = m.matmul_cost(512, 512, 512, itemsize=8)
    assert i32 == pytest.approx(2 * i64), (
        "halving the item size must double the intensity: count bytes with `itemsize`"
    )
    assert i64_big == pytest.approx(2 * i64), (
        "for square n x n matrices intensity = 2n^3 / (3 n^2 itemsize) grows linearly in n"
    )


class FakeClock:
    """A clock that only advances while the kernel runs, by the scripted durations."""

    def __init__(self, durations):
        self.durations = list(durations)
        self.now = 0.0
        self.calls = 0

    def timer(self):
        return self.now

    def kernel(self, a, b):
        self.now += self.durations[self.calls]
        self.calls += 1
        return a @ b


@pytest.mark.exercise("06.5")
@pytest.mark.points(2)
def test_gflops_warms_up_and_takes_the_best(m, rng):
    a, b = rng.standard_normal((30, 50)), rng.standard_normal((50, 70))
    clock = FakeClock([100.0, 0.3, 0.1, 0.2])  # the first call compiles: 100 s
    speed = m.gflops(clock.kernel, a, b, repeats=3, timer=clock.timer)
    flops = 2 * 30 * 50 * 70
    if clock.calls == 3:
        pytest.fail("the kernel ran only `repeats` = 3 times: call it once more, untimed, "
                    "before timing (a Numba kernel compiles on its first call)")
    assert clock.calls == 4, (
        f"the kernel ran {clock.calls} times; expected 1 warm-up call + repeats=3 timed calls"
    )
    bad = {
        "the warm-up call was timed (it includes Numba's compile time)": flops / 100.1 / 1e9,
        "you kept the mean of the timed calls, not the fastest": flops / 0.2 / 1e9,
        "you kept the first timed call, not the fastest": flops / 0.3 / 1e9,
        "you divided by the total time of all calls": flops / 0.6 / 1e9,
        "you forgot the factor 2 (a multiply and an add per term)": flops / 2 / 0.1 / 1e9,
        "N must be b.shape[1] (you used b.shape[0], which is K)": 2 * 30 * 50 * 50 / 0.1 / 1e9,
    }
    for mistake, value in bad.items():
        assert speed != pytest.approx(value, rel=1e-6), mistake
    if speed > 1e3 * flops / 0.1 / 1e9:
        pytest.fail(f"got {speed:.3g} GFLOP/s, far more than the fake clock allows: time with "
                    "the `timer` argument (timer() before and after each call), not your own "
                    "clock")
    assert speed == pytest.approx(flops / 0.1 / 1e9, rel=1e-9), (
        f"got {speed} GFLOP/s; expected 2 M K N / fastest timed call / 1e9 = "
        f"{flops / 0.1 / 1e9}"
    )


@pytest.mark.exercise("06.5")
@pytest.mark.points(1)
def test_gflops_honours_repeats(m, rng):
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((6, 5))
    flops = 2 * 4 * 6 * 5
    for durations in ([9.0, 0.5], [9.0, 0.4, 0.3, 0.2, 0.1, 0.25]):
        repeats = len(durations) - 1
        clock = FakeClock(durations + [1e-9] * 5)  # extra calls would look impossibly fast
        speed = m.gflops(clock.kernel, a, b, repeats=repeats, timer=clock.timer)
        assert clock.calls == repeats + 1, (
            f"with repeats={repeats} the kernel ran {clock.calls} times; expected 1 warm-up "
            f"call + {repeats} timed calls: loop `repeats` times, not a fixed number"
        )
        best = min(durations[1:])
        assert speed == pytest.approx(flops / best / 1e9, rel=1e-9), (
            f"repeats={repeats}: got {speed} GFLOP/s; expected {flops / best / 1e9} (the "
            "fastest of the timed calls)"
        )
