"""Grouped-GEMM kernels against their NumPy references and against per-segment np.matmul."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import backend, reference
from tinymoe.errors import DTypeError, ShapeError
from tinymoe.kernels import grouped_gemm as gg


def _segments(rng, counts):
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


# empty experts, a 1-row expert, a segment longer than one 32-row strip, leftovers of 4
COUNTS = [0, 5, 37, 1, 0, 70, 3, 2]


# (K, N): a serial product, and one above SERIAL_FLOPS (threads; N spans several strips)
SIZES = [pytest.param(13, 9, marks=pytest.mark.nojit), (64, 130)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("k", "n"), SIZES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_grouped_matmul_matches_per_segment_matmul(rng, dtype, k, n, layout):
    """``transposed`` passes w as a (G, K, N) array's transposed view: the input-gradient
    form ``dy @ w[g]``, read without a copy."""
    offsets = _segments(rng, COUNTS)
    x = rng.standard_normal((offsets[-1], k)).astype(dtype)
    w = rng.standard_normal((len(COUNTS), n, k)).astype(dtype)
    if layout == "transposed":
        w = np.ascontiguousarray(w.transpose(0, 2, 1)).transpose(0, 2, 1)
    out = gg.grouped_matmul(x, w, offsets)
    assert out.dtype == dtype and out.shape == (offsets[-1], n)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    for g in range(len(COUNTS)):
        lo, hi = offsets[g], offsets[g + 1]
        np.testing.assert_allclose(out[lo:hi], x[lo:hi] @ w[g].T, rtol=tol, atol=tol)
    np.testing.assert_allclose(out, reference.grouped_matmul(x, w, offsets), rtol=tol,
                               atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("k", "n"), [(6, 33), *SIZES])
def test_grouped_matmul_tn_is_the_weight_gradient(rng, dtype, k, n):
    offsets = _segments(rng, COUNTS)
    dy = rng.standard_normal((offsets[-1], n)).astype(dtype)
    x = rng.standard_normal((offsets[-1], k)).astype(dtype)
    out = gg.grouped_matmul_tn(dy, x, offsets)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    for g in range(len(COUNTS)):
        lo, hi = offsets[g], offsets[g + 1]
        np.testing.assert_allclose(out[g], dy[lo:hi].T @ x[lo:hi], rtol=tol, atol=tol)
    np.testing.assert_allclose(out, reference.grouped_matmul_tn(dy, x, offsets), rtol=tol,
                               atol=tol)


def test_segment_sum_and_empty_segments(rng):
    offsets = _segments(rng, COUNTS)
    dy = rng.standard_normal((offsets[-1], 4))
    out = gg.segment_sum(dy, offsets)
    for g in range(len(COUNTS)):
        np.testing.assert_allclose(out[g], dy[offsets[g]:offsets[g + 1]].sum(0), atol=1e-12)
    assert np.all(out[[0, 4]] == 0)
    np.testing.assert_allclose(out, reference.segment_sum(dy, offsets), atol=1e-12)


@pytest.mark.nojit
def test_scatter_add_rows_repeated_indices_add_up(rng):
    index = np.array([3, 0, 3, 3, 1])
    values = rng.standard_normal((5, 4))
    weights = rng.standard_normal(5)
    out = gg.scatter_add_rows(values, weights, index, 5)
    expected = np.zeros((5, 4))
    for a, t in enumerate(index):
        expected[t] += weights[a] * values[a]
    np.testing.assert_allclose(out, expected, atol=1e-12)
    np.testing.assert_allclose(out, reference.scatter_add_rows(values, weights, index, 5),
                               atol=1e-12)
    assert np.all(out[[2, 4]] == 0)


def test_numpy_backend_uses_the_references():
    with tm.use_backend("numpy"):
        assert backend.implementation("grouped_matmul") is reference.grouped_matmul
    assert backend.implementation("grouped_matmul") is gg.grouped_matmul


def test_bad_input_names_the_op_and_shapes(rng):
    x = rng.standard_normal((6, 4))
    w = rng.standard_normal((2, 3, 5))
    with pytest.raises(ShapeError, match=r"grouped_matmul.*\(6, 4\).*\(2, 3, 5\)"):
        gg.grouped_matmul(x, w, np.array([0, 3, 6]))
    w = rng.standard_normal((2, 3, 4))
    with pytest.raises(ShapeError, match="offsets"):
        gg.grouped_matmul(x, w, np.array([0, 3, 5]))  # does not end at 6 rows
    with pytest.raises(ShapeError, match="offsets"):
        gg.grouped_matmul(x, w, np.array([0, 4, 3, 6]))  # wrong length and decreasing
    with pytest.raises(DTypeError, match="float32 or all float64"):
        gg.grouped_matmul(x.astype(np.float32), w, np.array([0, 3, 6]))
    with pytest.raises(IndexError, match=r"scatter_add_rows.*\[0, 2\)"):
        gg.scatter_add_rows(x, np.ones(6), np.arange(6), 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1e-30, 1e18, 1e30])
@pytest.mark.parametrize(("k", "n"), SIZES)
def test_grouped_kernels_match_references_at_extreme_magnitudes(rng, dtype, scale, k, n):
    """Tokens of size 1e-30 .. 1e30 with a nan, a +inf and a -inf entry: the same nans
    and infinities as the NumPy references (a nan or inf token poisons its own output row
    and its expert's weight gradient, nothing else), finite results to the dtype's
    accuracy, normwise."""
    offsets = _segments(rng, COUNTS)
    x = (rng.standard_normal((offsets[-1], k)) * scale).astype(dtype)
    x[3, 2], x[10, 0], x[50, 1] = np.nan, np.inf, -np.inf
    w = rng.standard_normal((len(COUNTS), n, k)).astype(dtype)
    dy = rng.standard_normal((offsets[-1], n)).astype(dtype)
    index = rng.integers(0, 30, offsets[-1])
    weights = rng.random(offsets[-1]).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    for name, args in [("grouped_matmul", (x, w, offsets)), ("grouped_matmul_tn", (dy, x, offsets)),
                       ("segment_sum", (x, offsets)),
                       ("scatter_add_rows", (x, weights, index, 30))]:
        with np.errstate(invalid="ignore"):  # inf - inf in the sums (NumPy, JIT off) warns
            got = getattr(gg, name)(*args)
            want = getattr(reference, name)(*args)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{name}: nan")
        np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)], err_msg=name)
        finite = np.isfinite(want)
        assert np.isfinite(got[finite]).all() and finite.any(), name
        error = np.abs(got[finite] - want[finite]).max() / np.abs(want[finite]).max()
        assert error <= tol, f"{name}: normwise relative error {error:.2g} at scale {scale:g}"


# ---------------------------------------------------------------- GELU gradient (float32)

# every power of ten 1e-30 .. 1e30 of both signs, a dense sweep of the range where GELU'
# is neither 0 nor 1, +-0, +-inf, nan and float32's extremes
GELU_POINTS = np.concatenate([s * 10.0 ** np.arange(-30, 31) for s in (1, -1)]
                             + [np.linspace(-12, 12, 240_001),
                                [0.0, -0.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45]])


def _float32_error_bound(x: np.ndarray, want: np.ndarray, scale: float, floor: float):
    """What float32 rounding allows: 1 ulp of the result plus 1 ulp of each of the terms
    Phi(x) and x phi(x) that GELU' adds (they cancel next to its zero at x = -0.75); below
    x = -4 an absolute ``floor`` (the float32 kernels drop Phi(x) < 8e-9 past x = -5.66:
    x Phi(x) < 5e-8 in GELU); the terms and the floor are multiplied by the gradient's
    ``scale``."""
    x = np.clip(x.astype(np.float64), -40, 40)
    terms = 0.5 * np.abs(reference.normal_cdf(x)) + np.abs(x) * np.exp(-0.5 * x * x)
    ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    return ulp + scale * np.where(x < -4, np.maximum(2.0**-24 * terms, floor), 2.0**-24 * terms)


@pytest.mark.parametrize("scale", [1.0, 1e-30, 1e30])
def test_gelu_kernels_float32_match_the_float64_reference_to_float32_rounding(scale):
    """The float32 kernels (polynomial erf and exp, no libm call) against the float64
    reference (math.erfc, np.exp) at every magnitude, gradients of 1e-30 .. 1e30 too:
    the same nans (only from a nan input), the limits at +-inf, no nan at +-1e30."""
    from tinymoe.kernels import activations

    x = GELU_POINTS.astype(np.float32)
    grad = np.full_like(x, scale)
    for name, got, want, floor in [
            ("gelu", activations.gelu(x), reference.gelu(x.astype(np.float64)), 5e-8),
            ("gelu_backward", activations.gelu_backward(x, grad),
             reference.gelu_backward(x.astype(np.float64), grad.astype(np.float64)), 1e-8)]:
        assert got.dtype == np.float32, name
        np.testing.assert_array_equal(np.isnan(got), np.isnan(x), err_msg=f"{name}: nan")
        finite = ~np.isnan(x)
        inf = np.isinf(want[finite])
        err = np.abs(got[finite].astype(np.float64) - np.where(inf, 0, want[finite]))
        bound = _float32_error_bound(x[finite], want[finite],
                                     scale if name == "gelu_backward" else 1.0, floor)
        np.testing.assert_array_equal(got[finite][inf], want[finite][inf], err_msg=name)
        worst = np.argmax(np.where(inf, 0, err / bound))
        assert (err[~inf] <= bound[~inf]).all(), (
            f"{name}(x={x[finite][worst]!r}) = {got[finite][worst]!r}, float64 reference "
            f"{want[finite][worst]!r}: error {err[worst]:.3g} > bound {bound[worst]:.3g}")


def test_float32_exp_polynomial_is_accurate_to_1e12():
    """exp(t) for t in [-800, 0] as (Taylor of exp(t / 2^10))^(2^10), against np.exp."""
    from tinymoe.kernels.activations import _exp_nonpositive

    t = np.concatenate([np.linspace(-800, 0, 20_001), -np.geomspace(1e-30, 1, 100), [0.0]])
    got = np.array([_exp_nonpositive(v) for v in t])
    want = np.exp(t)
    normal = want > 1e-300
    assert np.max(np.abs(got[normal] / want[normal] - 1)) < 1e-12
    assert np.all(got[~normal] < 1e-290)
