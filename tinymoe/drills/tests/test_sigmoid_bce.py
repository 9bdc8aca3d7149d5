"""Hidden tests for the drill sigmoid_bce. Oracles: the tinymoe engine's sigmoid and
binary_cross_entropy_with_logits (with autograd), and closed forms at +-1e4."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close
from tinymoe.nn import functional as F

_RAISE = dict(over="raise", divide="raise", invalid="raise", under="ignore")


def test_sigmoid_matches_engine_and_is_stable(drill):
    rng = np.random.default_rng(1201)
    z = 4 * rng.standard_normal(tuple(rng.integers(2, 6, size=2)))
    assert_close(drill.sigmoid(z), F.sigmoid(tm.tensor(z, dtype=tm.float64)).data, rtol=1e-12,
                 err_msg="sigmoid differs from 1 / (1 + exp(-z))")
    big = np.array([1e4, -1e4, 800.0, -800.0, 0.0])
    with np.errstate(**_RAISE):
        try:
            s = drill.sigmoid(big)
        except FloatingPointError as err:
            pytest.fail(f"sigmoid overflows at z = -1e4 ({err}): exp(-z) = exp(1e4); use "
                        "exp(-|z|) and pick the form by the sign of z")
    assert_close(s, [1.0, 0.0, 1.0, 0.0, 0.5], atol=1e-300,
                 err_msg="sigmoid at +-1e4 must be 1 and 0")


def test_bce_matches_engine_with_soft_targets(drill):
    rng = np.random.default_rng(1202)
    n = rng.integers(4, 12)
    z, y = 3 * rng.standard_normal(n), rng.uniform(size=n)
    before = z.copy(), y.copy()
    loss, dz = drill.bce_with_logits(z, y)
    np.testing.assert_array_equal(z, before[0], err_msg="z was modified in place")
    np.testing.assert_array_equal(y, before[1], err_msg="y was modified in place")
    t = tm.tensor(z, requires_grad=True, dtype=tm.float64)
    want = F.binary_cross_entropy_with_logits(t, y)
    want.backward()
    assert np.ndim(loss) == 0, f"the loss must be a scalar, got shape {np.shape(loss)}"
    if np.isclose(loss, want.item() * n):
        pytest.fail("the loss is the SUM over the batch: return the mean")
    hard = F.binary_cross_entropy_with_logits(tm.tensor(z, dtype=tm.float64), (y > 0.5) * 1.0)
    if np.isclose(loss, hard.item()) and not np.isclose(loss, want.item()):
        pytest.fail("the loss treats y as 0 or 1: targets may be any value in [0, 1]")
    assert_close(loss, want.item(), rtol=1e-10, err_msg="wrong loss value")
    if np.shape(dz) == t.grad.shape and np.allclose(dz, t.grad * n):
        pytest.fail("dz is N times too large: the loss is a mean, divide by N")
    assert_close(dz, t.grad, rtol=1e-8, atol=1e-14,
                 err_msg="dz differs from (sigmoid(z) - y) / N")


def test_bce_extreme_logits(drill):
    z, y = np.array([1e4, -1e4, 1e4, -1e4]), np.array([0.0, 1.0, 1.0, 0.0])
    with np.errstate(**_RAISE):
        try:
            loss, dz = drill.bce_with_logits(z, y)
        except FloatingPointError as err:
            pytest.fail(f"bce_with_logits overflows or takes log(0) at |z| = 1e4 ({err}): use "
                        "max(z, 0) - z y + log(1 + exp(-|z|))")
    # two confident mistakes cost 1e4 each, two confident hits cost 0: mean 5000
    assert_close(loss, 5000.0, rtol=1e-12,
                 err_msg="the loss at z = +-1e4 must be 5000 (two mistakes of 1e4, two hits)")
    assert_close(dz, [0.25, -0.25, 0.0, 0.0], atol=1e-15,
                 err_msg="dz at z = +-1e4 must be (sigmoid(z) - y) / N")
