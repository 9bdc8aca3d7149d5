"""Hidden tests for inverted dropout: invariants (kept entries scaled by 1/(1-p), dropped
fraction close to p, mean preserved, evaluation is the identity) checked statistically on
200k draws, and the backward."""

import numpy as np
import pytest

from tinymoe.grading.feedback import assert_close


def test_training_drops_a_fraction_p_and_rescales_the_rest(drill):
    rng = np.random.default_rng(0)
    for p in (0.1, 0.5, 0.8):
        x = rng.uniform(1.0, 2.0, size=(400, 500))
        y, mask = drill.dropout_forward(x.copy(), p, True, np.random.default_rng(1))
        y, mask = np.asarray(y), np.asarray(mask)
        dropped = float(np.mean(y == 0))
        sigma = np.sqrt(p * (1 - p) / x.size)
        if abs(dropped - p) > 5 * sigma:
            hint = ("p is the DROP probability, you keep with probability p"
                    if abs(dropped - (1 - p)) < 5 * sigma else f"expected about {p}")
            raise AssertionError(f"p={p}: {dropped:.4f} of the entries are dropped: {hint}")
        kept = y != 0
        assert_close(y[kept], x[kept] / (1 - p), rtol=1e-12,
                     err_msg=f"p={p}: kept entries must be scaled by 1/(1-p) = {1 / (1 - p):.4g} "
                             "(inverted dropout keeps the expected value)")
        assert_close(y, x * mask, rtol=1e-12, err_msg="y must equal x * mask")
        assert_close(np.mean(y), np.mean(x), rtol=0.01,
                     err_msg=f"p={p}: the mean of y must stay close to the mean of x")


def test_evaluation_and_edge_probabilities(drill):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((13, 7))
    y, _ = drill.dropout_forward(x.copy(), 0.5, False, np.random.default_rng(3))
    assert_close(y, x, err_msg="in evaluation dropout must return x unchanged (no rescaling)")
    y, _ = drill.dropout_forward(x.copy(), 0.0, True, np.random.default_rng(3))
    assert_close(y, x, err_msg="p=0 must return x unchanged")
    with np.errstate(all="raise"):
        try:
            y, _ = drill.dropout_forward(x.copy(), 1.0, True, np.random.default_rng(3))
        except FloatingPointError as exc:
            raise AssertionError(f"p=1 divides by zero (1 - p = 0): {exc}") from None
    assert_close(y, 0.0, err_msg="p=1 must drop everything")
    with pytest.raises(ValueError):
        drill.dropout_forward(x, 1.5, True, np.random.default_rng(3))


def test_backward_uses_the_same_mask(drill):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((31, 9))
    y, mask = drill.dropout_forward(x.copy(), 0.3, True, np.random.default_rng(5))
    dy = rng.standard_normal(x.shape)
    dx = np.asarray(drill.dropout_backward(dy.copy(), mask))
    assert_close(dx, dy * np.asarray(mask), rtol=1e-12,
                 err_msg="dx must be dy * mask (the same mask and scale as the forward)")
    assert np.all(dx[np.asarray(y) == 0] == 0), "dropped entries must get zero gradient"
