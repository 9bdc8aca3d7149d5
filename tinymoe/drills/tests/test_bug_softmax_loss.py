"""Hidden tests for the spot-the-bug drill bug_softmax_loss. Oracles: the tinymoe engine's
softmax and cross_entropy (with autograd) on ordinary and on extreme logits, and the closed
form of the loss at +-1e4. Messages describe the symptom, not the fix."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.grading.feedback import assert_close
from tinymoe.nn import functional as F

_RAISE = dict(over="raise", divide="raise", invalid="raise", under="ignore")


def _engine(logits, labels):
    t = tm.tensor(logits, requires_grad=True, dtype=tm.float64)
    loss = F.cross_entropy(t, labels)
    loss.backward()
    return F.softmax(tm.tensor(logits, dtype=tm.float64), dim=1).data, loss.item(), t.grad


def _check(drill, logits, labels, what):
    before = logits.copy()
    with np.errstate(**_RAISE):
        try:
            p = drill.softmax(logits)
            loss, grad = drill.cross_entropy(logits, labels)
        except FloatingPointError as err:
            pytest.fail(f"{what}: a floating-point overflow or log(0) ({err})")
    np.testing.assert_array_equal(logits, before, err_msg=f"{what}: the logits were modified")
    want_p, want_loss, want_grad = _engine(logits, labels)
    assert_close(p, want_p, rtol=1e-10, atol=1e-300, err_msg=f"{what}: wrong probabilities")
    assert_close(loss, want_loss, rtol=1e-10, err_msg=f"{what}: wrong loss")
    assert_close(grad, want_grad, rtol=1e-8, atol=1e-15, err_msg=f"{what}: wrong gradient")


def test_ordinary_logits(drill):
    rng = np.random.default_rng(2201)
    n, c = (int(k) for k in rng.integers(2, 8, size=2))
    _check(drill, 2 * rng.standard_normal((n, c)), rng.integers(0, c, size=n),
           "small random logits")


def test_confident_network(drill):
    rng = np.random.default_rng(2202)
    n, c = (int(k) for k in rng.integers(3, 8, size=2))
    logits = rng.standard_normal((n, c)) + 1000.0  # a whole row of large logits
    _check(drill, logits, rng.integers(0, c, size=n), "logits around 1000")


def test_confidently_wrong_prediction_costs_the_gap(drill):
    logits = np.array([[1e4, -1e4, 0.0], [0.0, 1e4, -1e4]])
    labels = np.array([1, 1])
    _check(drill, logits, labels, "logits of +-1e4 (the first row is confidently wrong)")
    assert_close(drill.cross_entropy(logits, labels)[0], 1e4, rtol=1e-12,
                 err_msg="a prediction 2e4 below the best logit must cost 2e4, the mean 1e4")
