"""Hidden tests for the drill linear_layer. Oracles: the tinymoe engine's linear (forward
and autograd) and float64 finite differences with a random upstream gradient."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading.feedback import assert_close, diagnose
from tinymoe.nn import functional as F


def _draw(seed):
    rng = np.random.default_rng(seed)
    n, d_in, d_out = (int(k) for k in rng.integers(2, 7, size=3))
    while d_out == d_in:  # distinct sizes, so a transpose cannot go unnoticed
        d_out = int(rng.integers(2, 7))
    return (rng.standard_normal((n, d_in)), rng.standard_normal((d_out, d_in)),
            rng.standard_normal(d_out), rng.standard_normal((n, d_out)))


def test_forward_matches_engine(drill):
    x, W, b, _ = _draw(1301)
    y = drill.linear_forward(x, W, b)
    want = F.linear(tm.tensor(x), tm.tensor(W), tm.tensor(b)).data
    assert np.shape(y) == want.shape, (
        f"linear_forward returned shape {np.shape(y)}; expected {want.shape} = (N, D_out)")
    assert_close(y, want, rtol=1e-10, atol=1e-12, err_msg="linear_forward differs from x W^T + b")


def test_backward_matches_engine_with_random_upstream(drill):
    x, W, b, dy = _draw(1302)
    before = [a.copy() for a in (x, W, dy)]
    got = drill.linear_backward(x, W, dy)
    for a, kept, name in zip((x, W, dy), before, ("x", "W", "dy")):
        np.testing.assert_array_equal(a, kept, err_msg=f"linear_backward modified {name}")
    tx, tW, tb = (tm.tensor(a, requires_grad=True) for a in (x, W, b))
    F.linear(tx, tW, tb).backward(dy)
    assert len(got) == 3, "linear_backward must return (dx, dW, db)"
    dx, dW, db = got
    for name, g, want, wrong in (
        ("dx", dx, tx.grad, {}),
        ("dW", dW, tW.grad, {"dW is x^T dy transposed: dW = dy^T x, shaped like W": tW.grad.T}),
        ("db", db, tb.grad, {"db is the mean over the batch: sum it (the bias is shared by "
                             "every row)": tb.grad / len(x)}),
    ):
        if np.shape(g) != want.shape or not np.allclose(g, want, rtol=1e-10, atol=1e-12):
            pytest.fail(f"{name}: " + diagnose(g, want, wrong, generic="wrong gradient"))


def test_backward_matches_finite_differences(drill):
    x, W, b, dy = _draw(1303)
    dx, dW, db = drill.linear_backward(x.copy(), W.copy(), dy)

    def loss():  # L = sum(y * dy): its gradient with respect to y is dy
        return float(np.sum(drill.linear_forward(x, W, b) * dy))

    for name, got, a in (("dx", dx, x), ("dW", dW, W), ("db", db, b)):
        assert_close(got, numerical_gradient(lambda _: loss(), a), rtol=1e-6, atol=1e-8,
                     err_msg=f"{name} disagrees with finite differences of L = sum(y * dy)")
