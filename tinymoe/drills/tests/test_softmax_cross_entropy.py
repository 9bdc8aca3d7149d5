"""Hidden tests for the drill softmax_cross_entropy. Oracles: the tinymoe engine's
cross_entropy and its autograd, float64 finite differences, and closed forms."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading.feedback import assert_close
from tinymoe.nn import functional as F


def _engine(logits, labels):
    t = tm.tensor(logits, requires_grad=True, dtype=tm.float64)
    loss = F.cross_entropy(t, labels)
    loss.backward()
    return loss.item(), t.grad


def test_matches_engine(drill):
    rng = np.random.default_rng(1101)
    n, c = rng.integers(3, 9), rng.integers(2, 7)
    logits, labels = 2 * rng.standard_normal((n, c)), rng.integers(0, c, size=n)
    before = logits.copy()
    loss, grad = drill.cross_entropy(logits, labels)
    np.testing.assert_array_equal(logits, before, err_msg="logits were modified in place")
    want_loss, want_grad = _engine(logits, labels)
    assert np.ndim(loss) == 0, f"the loss must be a scalar, got shape {np.shape(loss)}"
    if np.isclose(loss, want_loss * n):
        pytest.fail("the loss is the SUM over the batch: return the mean")
    assert_close(loss, want_loss, rtol=1e-10, err_msg="wrong loss value")
    assert np.shape(grad) == (n, c), f"dlogits has shape {np.shape(grad)}; expected {(n, c)}"
    if np.allclose(grad, want_grad * n):
        pytest.fail("dlogits is N times too large: the loss is a mean, divide by N")
    if np.allclose(grad, -want_grad):
        pytest.fail("dlogits has the wrong sign: it is softmax - one_hot, not one_hot - softmax")
    assert_close(grad, want_grad, rtol=1e-8, atol=1e-12,
                 err_msg="dlogits differs from (softmax(logits) - one_hot(labels)) / N")


def test_gradient_matches_finite_differences(drill):
    rng = np.random.default_rng(1102)
    n, c = rng.integers(2, 6), rng.integers(3, 6)
    logits, labels = rng.standard_normal((n, c)), rng.integers(0, c, size=n)
    labels[0] = labels[1]  # a repeated label and (often) an absent class
    _, grad = drill.cross_entropy(logits.copy(), labels)
    numeric = numerical_gradient(lambda a: drill.cross_entropy(a.copy(), labels)[0], logits)
    assert_close(grad, numeric, rtol=1e-5, atol=1e-8,
                 err_msg="dlogits disagrees with finite differences of your own loss")


def test_extreme_logits_are_stable(drill):
    logits = np.array([[1e4, 0.0, -1e4], [1e4, 0.0, -1e4], [0.0, 0.0, 0.0]])
    labels = np.array([0, 2, 1])
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        try:
            loss, grad = drill.cross_entropy(logits, labels)
        except FloatingPointError as err:
            pytest.fail(f"overflow or log(0) at logits of +-1e4 ({err}): subtract each row's "
                        "max, and use log_softmax = shifted - log(sum(exp(shifted)))")
    # row 0: right and certain (0); row 1: the true class is 2e4 below the best (2e4);
    # row 2: uniform over 3 classes (log 3)
    assert_close(loss, (0.0 + 2e4 + np.log(3)) / 3, rtol=1e-12,
                 err_msg="wrong loss at logits of +-1e4 (expected (0 + 2e4 + log 3) / 3)")
    want = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, -1.0], [1 / 3, -2 / 3, 1 / 3]]) / 3
    assert_close(grad, want, atol=1e-15, err_msg="wrong dlogits at logits of +-1e4")
