"""Hidden tests for the drill relu_gelu. Oracles: the tinymoe engine's relu and exact gelu
(forward and autograd), float64 finite differences and the limits at +-1e4."""

import math

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading.feedback import assert_close
from tinymoe.nn import functional as F


def _engine_grad(fn, x):
    t = tm.tensor(x, requires_grad=True, dtype=tm.float64)
    fn(t).backward(np.ones_like(x))
    return t.grad


def _points(seed):
    rng = np.random.default_rng(seed)
    return 3 * rng.standard_normal(tuple(rng.integers(2, 6, size=2)))


def test_relu_and_its_derivative(drill):
    x = _points(1401)
    x[0, 0] = 0.0
    before = x.copy()
    y, g = drill.relu(x), drill.relu_grad(x)
    np.testing.assert_array_equal(x, before, err_msg="relu or relu_grad modified x in place")
    assert_close(y, np.maximum(x, 0), err_msg="relu differs from max(x, 0)")
    assert np.shape(g) == x.shape, f"relu_grad returned shape {np.shape(g)}; expected {x.shape}"
    assert g[0, 0] == 0.0, f"relu_grad(0) must be 0 (the convention), got {g[0, 0]}"
    assert_close(g, _engine_grad(F.relu, x), err_msg="relu_grad must be 1 where x > 0, else 0")


def test_gelu_matches_engine(drill):
    x = _points(1402)
    want = F.gelu(tm.tensor(x, dtype=tm.float64)).data
    y = drill.gelu(x)
    tanh_form = F.gelu(tm.tensor(x, dtype=tm.float64), approximate="tanh").data
    if np.shape(y) == x.shape and np.allclose(y, tanh_form, rtol=1e-12) \
            and not np.allclose(y, want, rtol=1e-9):
        pytest.fail("gelu is the tanh approximation: the drill asks for the exact x Phi(x) "
                    "with erf")
    assert_close(y, want, rtol=1e-9, atol=1e-12,
                 err_msg="gelu differs from x * (1 + erf(x / sqrt 2)) / 2")


def test_gelu_grad_matches_engine_and_finite_differences(drill):
    x = _points(1403)
    g = drill.gelu_grad(x)
    phi_only = 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    if np.shape(g) == x.shape and np.allclose(g, phi_only):
        pytest.fail("gelu_grad is Phi(x) alone: the product rule adds x * phi(x)")
    assert_close(g, _engine_grad(F.gelu, x), rtol=1e-8, atol=1e-12,
                 err_msg="gelu_grad differs from Phi(x) + x phi(x)")
    numeric = numerical_gradient(lambda a: float(np.sum(drill.gelu(a))), x.copy())
    assert_close(g, numeric, rtol=1e-5, atol=1e-8,
                 err_msg="gelu_grad disagrees with finite differences of your gelu")


def test_limits_at_large_inputs(drill):
    x = np.array([1e4, -1e4, 40.0, -40.0])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        try:
            out = [drill.relu(x), drill.relu_grad(x), drill.gelu(x), drill.gelu_grad(x)]
        except FloatingPointError as err:
            pytest.fail(f"overflow or nan at x = +-1e4 ({err})")
    assert_close(out[2], [1e4, 0.0, 40.0, 0.0], atol=1e-300,
                 err_msg="gelu at large |x| must be x (x > 0) or 0 (x < 0)")
    assert_close(out[3], [1.0, 0.0, 1.0, 0.0], atol=1e-300,
                 err_msg="gelu_grad at large |x| must be 1 (x > 0) or 0 (x < 0)")
