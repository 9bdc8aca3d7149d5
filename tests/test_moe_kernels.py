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


# ---------------------------------------------------------------- fused expert kernels


def _routed(rng, counts, n_tokens, k, dtype):
    """offsets, rows (each token at most once per expert, up to k times in all: top-k's
    repeated token ids), x (n_tokens, k)."""
    offsets = _segments(rng, counts)
    rows = np.concatenate([rng.choice(n_tokens, c, replace=False) for c in counts])
    return offsets, rows.astype(np.int64), rng.standard_normal((n_tokens, k)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("k", "n"), SIZES)
@pytest.mark.parametrize("activation", ["identity", "relu", "gelu"])
def test_grouped_linear_reads_rows_through_the_index(rng, dtype, k, n, activation):
    """act(x[rows] @ w[g].T + b[g]) with repeated token ids and empty experts, against the
    reference (which gathers a copy first) and a per-segment loop."""
    offsets, rows, x = _routed(rng, COUNTS, 80, k, dtype)
    w = rng.standard_normal((len(COUNTS), n, k)).astype(dtype)
    b = rng.standard_normal((len(COUNTS), n)).astype(dtype)
    out, pre = gg.grouped_linear(x, w, b, offsets, rows, activation)
    want_out, want_pre = reference.grouped_linear(x, w, b, offsets, rows, activation)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    assert out.dtype == dtype and out.shape == (offsets[-1], n)
    np.testing.assert_allclose(out, want_out, rtol=tol, atol=tol)
    assert (pre is None) == (activation != "gelu")
    if pre is not None:
        np.testing.assert_allclose(pre, want_pre, rtol=tol, atol=tol)
    g = 5  # by hand for one expert
    lo, hi = offsets[g], offsets[g + 1]
    z = x[rows[lo:hi]] @ w[g].T + b[g]
    act = {"identity": z, "relu": np.maximum(z, 0), "gelu": reference.gelu(z)}[activation]
    np.testing.assert_allclose(out[lo:hi], act, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("k", "n"), SIZES)
@pytest.mark.parametrize("activation", ["identity", "relu", "gelu"])
def test_grouped_linear_grad_has_the_activation_derivative_in_its_epilogue(rng, dtype, k, n,
                                                                            activation):
    offsets = _segments(rng, COUNTS)
    dy = rng.standard_normal((offsets[-1], k)).astype(dtype)
    w = rng.standard_normal((len(COUNTS), n, k)).astype(dtype)
    saved = rng.standard_normal((offsets[-1], n)).astype(dtype)
    saved[:3] = 0  # ReLU'(0) = 0
    got = gg.grouped_linear_grad(dy, w, offsets, activation, saved)
    want = reference.grouped_linear_grad(dy, w, offsets, activation, saved)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    plain = reference.grouped_matmul(dy, w, offsets)
    slope = {"identity": 1.0, "relu": saved > 0,
             "gelu": reference.gelu_backward(saved, np.ones_like(saved))}[activation]
    np.testing.assert_allclose(got, plain * slope, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("k", "n"), SIZES)
def test_grouped_matmul_tn_reads_rows_through_the_index(rng, dtype, k, n):
    offsets, rows, x = _routed(rng, COUNTS, 80, k, dtype)
    dy = rng.standard_normal((offsets[-1], n)).astype(dtype)
    got = gg.grouped_matmul_tn(dy, x, offsets, rows)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, reference.grouped_matmul_tn(dy, x[rows], offsets),
                               rtol=tol, atol=tol)
    np.testing.assert_allclose(got, reference.grouped_matmul_tn(dy, x, offsets, rows),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_combine_sums_repeated_tokens_in_order_and_its_backward(rng, dtype):
    """Top-2 with a capacity drop: each token's rows add up in assignment order (the
    threaded kernel equals a sequential loop bit for bit), and both gradients."""
    index = np.concatenate([np.arange(300), rng.permutation(300)[:250]])
    values = rng.standard_normal((len(index), 33)).astype(dtype)
    gate = rng.random(len(index)).astype(dtype)
    out = gg.scatter_add_rows(values, gate, index, 301)
    expected = np.zeros((301, 33), dtype)
    for a, t in enumerate(index):
        expected[t] += gate[a] * values[a]
    np.testing.assert_array_equal(out, expected)
    assert not out[300].any()
    grad = rng.standard_normal((301, 33)).astype(dtype)
    got_values, got_gate = gg.combine_backward(grad, values, gate, index)
    want_values, want_gate = reference.combine_backward(grad, values, gate, index)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got_values, want_values, rtol=tol, atol=tol)
    np.testing.assert_allclose(got_gate, want_gate, rtol=tol, atol=tol)
    assert got_values.dtype == got_gate.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1e-30, 1e30])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_fused_kernels_match_references_at_extreme_magnitudes(rng, dtype, scale, activation):
    """Rows of 1e-30 .. 1e30 with a nan and infinities, through the index: the same nans
    and infinities as the references, finite results to the dtype's accuracy."""
    offsets, rows, x = _routed(rng, COUNTS, 80, 64, dtype)
    x = (x * scale).astype(dtype)
    x[3, 2], x[10, 0], x[50, 1] = np.nan, np.inf, -np.inf
    w = rng.standard_normal((len(COUNTS), 130, 64)).astype(dtype)
    b = rng.standard_normal((len(COUNTS), 130)).astype(dtype)
    dy = rng.standard_normal((offsets[-1], 64)).astype(dtype)  # unit: dy x stays normal
    tol = 1e-5 if dtype == np.float32 else 1e-12
    with np.errstate(invalid="ignore", over="ignore"):
        cases = [("grouped_linear", gg.grouped_linear(x, w, b, offsets, rows, activation)[0],
                  reference.grouped_linear(x, w, b, offsets, rows, activation)[0])]
        saved = cases[0][2]
        cases += [("grouped_linear_grad", gg.grouped_linear_grad(dy, w, offsets, activation, saved),
                   reference.grouped_linear_grad(dy, w, offsets, activation, saved)),
                  ("grouped_matmul_tn", gg.grouped_matmul_tn(dy, x, offsets, rows),
                   reference.grouped_matmul_tn(dy, x, offsets, rows))]
    for name, got, want in cases:
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{name}: nan")
        np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)], err_msg=name)
        finite = np.isfinite(want)
        assert np.isfinite(got[finite]).all() and finite.any(), name
        error = np.abs(got[finite] - want[finite]).max() / np.abs(want[finite]).max()
        assert error <= tol, f"{name}: normwise relative error {error:.2g} at scale {scale:g}"


# ---------------------------------------------------------------- the MoE layer, fused


def _moe_step(backend_name, activation, dtype, **options):
    """Output, input gradient and every parameter gradient of one MoE forward/backward."""
    with tm.use_backend(backend_name):
        tm.manual_seed(0)
        layer = tm.nn.MoE(12, 20, 5, top_k=2, activation=activation, dtype=dtype, **options)
        x = tm.tensor(np.random.default_rng(1).standard_normal((40, 12)).astype(dtype),
                      requires_grad=True)
        y = layer(x)
        ((y * y).mean() + layer.aux_loss()).backward()
        return [("y", y.data), ("x.grad", x.grad)] + [
            (name, p.grad) for name, p in layer.named_parameters()]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("options", [{}, {"capacity_factor": 0.6, "n_shared": 1}],
                         ids=["dropless", "capacity+shared"])
def test_moe_layer_fused_path_matches_the_numpy_backend(activation, dtype, options):
    fused = _moe_step("numba", activation, dtype, **options)
    plain = _moe_step("numpy", activation, dtype, **options)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for (name, got), (_, want) in zip(fused, plain):
        assert got is not None, name
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=name)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_expert_mlp_gradcheck_float64(rng, activation):
    """Finite differences of the fused ExpertMLP in float64 for x (through repeated
    token ids), both weights and both biases; an empty expert included."""
    from tinymoe.gradcheck import gradcheck
    from tinymoe.moe.experts import ExpertMLP

    offsets = np.array([0, 4, 4, 9])
    rows = np.array([0, 1, 2, 3, 0, 2, 4, 5, 1])
    shapes = [(6, 5), (3, 7, 5), (3, 7), (3, 5, 7), (3, 5)]
    inputs = [tm.tensor(rng.standard_normal(s) + (0.5 if i == 0 else 0), requires_grad=True)
              for i, s in enumerate(shapes)]
    assert gradcheck(lambda *t: ExpertMLP.apply(*t, offsets, rows, activation), inputs,
                     atol=1e-7, rtol=1e-5)
