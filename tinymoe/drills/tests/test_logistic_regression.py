"""Hidden tests for the drill logistic_regression. Oracles: tinymoe's
binary_cross_entropy_with_logits for the loss, float64 finite differences for the
gradient, and at the end of fit a gradient that vanishes (the optimum's condition)."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading.feedback import assert_close
from tinymoe.nn import functional as F


def _problem(rng, n, d):
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w_true)))).astype(float)
    return X, y


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_loss_matches_engine_and_gradient_matches_finite_differences(drill, l2):
    rng = np.random.default_rng(1641 + int(10 * l2))
    n, d = int(rng.integers(5, 30)), int(rng.integers(1, 6))
    X, y = _problem(rng, n, d)
    w, b = rng.standard_normal(d), float(rng.standard_normal())
    loss, dw, db = drill.loss_and_grad(X, y, w, b, l2)
    bce = F.binary_cross_entropy_with_logits(tm.tensor(X @ w + b), y).item()
    assert_close(loss, bce + 0.5 * l2 * w @ w, rtol=1e-10,
                 err_msg=f"loss (l2={l2}) is not the MEAN binary cross-entropy + l2/2 ||w||^2")
    num_w = numerical_gradient(lambda v: drill.loss_and_grad(X, y, v, b, l2)[0], w.copy())
    assert_close(dw, num_w, rtol=1e-5, atol=1e-8,
                 err_msg=f"dw (l2={l2}) disagrees with finite differences of the loss")
    num_b = numerical_gradient(lambda v: drill.loss_and_grad(X, y, w, v[0], l2)[0],
                               np.array([b]))
    assert_close(db, num_b[0], rtol=1e-5, atol=1e-8,
                 err_msg="db disagrees with finite differences (the bias has no L2 term)")


def test_huge_logits_stay_finite(drill):
    X = np.array([[1000.0], [-1000.0], [1000.0]])
    y = np.array([0.0, 1.0, 1.0])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        try:
            loss, dw, db = drill.loss_and_grad(X, y, np.array([1.0]), 0.0)
        except FloatingPointError as err:
            raise AssertionError(f"overflow at logits of +-1000 ({err}): use np.logaddexp and "
                                 "a sigmoid that never computes exp of a large positive number"
                                 ) from None
    assert_close(loss, 2000 / 3, rtol=1e-9, err_msg="loss at logits +-1000 (two confident "
                 "mistakes of 1000 each, one correct) should be 2000/3")
    assert_close(dw, [(1000 + 1000 + 0) / 3], rtol=1e-9, err_msg="dw at logits +-1000")
    assert np.isfinite(db), "db is not finite at logits of +-1000"


def test_fit_descends_and_reaches_the_optimum(drill):
    rng = np.random.default_rng(1642)
    X, y = _problem(rng, 80, 3)
    w, b, losses = drill.fit(X, y, lr=0.5, n_steps=3000, l2=0.05)
    losses = np.asarray(losses, dtype=float)
    assert len(losses) == 3000, f"{len(losses)} losses for 3000 steps"
    assert_close(losses[0], np.log(2), rtol=1e-12,
                 err_msg="the first loss is not log 2: start from w = 0, b = 0")
    assert np.all(np.diff(losses) <= 1e-12), "the loss went up during gradient descent"
    _, dw, db = drill.loss_and_grad(X, y, np.asarray(w), float(b), 0.05)
    assert np.abs(dw).max() < 1e-6 and abs(db) < 1e-6, (
        f"after 3000 steps the gradient is not ~0 (|dw| {np.abs(dw).max():.2g}, |db| "
        f"{abs(db):.2g}): the update must SUBTRACT lr * gradient for both w and b")
