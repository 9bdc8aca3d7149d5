"""Hidden tests for the drill weight_init. Oracles: the closed-form variances and bounds
(checked on tens of thousands of draws, with tolerances of many standard errors), the
normal distribution's tail mass, and the forward signal through a deep ReLU stack."""

import math

import numpy as np
import pytest

from tinymoe.grading.feedback import assert_close


def _fans(seed):
    rng = np.random.default_rng(seed)
    fan_in = int(rng.integers(80, 160))
    return fan_in, 3 * fan_in  # fan_out > fan_in, so 2/fan_in and 2/max(...) differ


def test_xavier_uniform_bound_and_variance(drill):
    fan_in, fan_out = _fans(1701)
    W = drill.xavier_uniform(fan_in, fan_out, np.random.default_rng(0), gain=5 / 3)
    assert np.shape(W) == (fan_out, fan_in), (
        f"shape {np.shape(W)}; expected (fan_out, fan_in) = {(fan_out, fan_in)}")
    var = (5 / 3) ** 2 * 2 / (fan_in + fan_out)
    bound = math.sqrt(3 * var)
    assert np.abs(W).max() <= bound, (
        f"entries reach {np.abs(W).max():.4g} beyond the bound b = gain sqrt(6 / (fan_in + "
        f"fan_out)) = {bound:.4g}")
    assert np.abs(W).max() > 0.98 * bound, "the draws do not fill [-b, b]: is it uniform on it?"
    if np.isclose(W.var(), var / (5 / 3), rtol=0.05):
        pytest.fail("the variance is gain * 2 / (fan_in + fan_out): the gain multiplies the "
                    "standard deviation, so the variance has gain^2")
    assert_close(W.var(), var, rtol=0.05,
                 err_msg="the variance is not gain^2 * 2 / (fan_in + fan_out)")
    assert abs(W.mean()) < 5 * bound / math.sqrt(3 * W.size), "the mean is not 0"


def test_he_normal_uses_fan_in(drill):
    fan_in, fan_out = _fans(1702)
    W = drill.he_normal(fan_in, fan_out, np.random.default_rng(1))
    assert np.shape(W) == (fan_out, fan_in), (
        f"shape {np.shape(W)}; expected (fan_out, fan_in) = {(fan_out, fan_in)}")
    var = W.var()
    mistakes = {
        "2 / max(fan_in, fan_out) (the formula printed by seed article 004)":
            2 / max(fan_in, fan_out),
        "2 / (fan_in + fan_out) (Xavier's variance)":
            2 / (fan_in + fan_out),
        "1 / fan_in (the factor 2 for ReLU is missing)": 1 / fan_in,
        "sqrt(2 / fan_in) (the standard deviation was used as the variance)":
            math.sqrt(2 / fan_in),
    }
    for said, wrong in mistakes.items():
        if np.isclose(var, wrong, rtol=0.05):
            pytest.fail(f"the variance is {said}: He's is 2 / fan_in")
    assert_close(var, 2 / fan_in, rtol=0.05, err_msg="the variance is not 2 / fan_in")
    tail = np.mean(np.abs(W) > 2 * math.sqrt(2 / fan_in))
    assert 0.035 < tail < 0.056, (
        f"{tail:.3%} of the draws lie beyond 2 standard deviations; a normal has 4.55% "
        "(is it uniform?)")


def test_uses_the_given_generator(drill):
    a = drill.he_normal(20, 30, np.random.default_rng(7))
    b = drill.he_normal(20, 30, np.random.default_rng(7))
    c = drill.xavier_uniform(20, 30, np.random.default_rng(7))
    d = drill.xavier_uniform(20, 30, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b, err_msg="he_normal: the same rng state gives different "
                                  "arrays: draw from the rng argument, not np.random")
    np.testing.assert_array_equal(c, d, err_msg="xavier_uniform: the same rng state gives "
                                  "different arrays: draw from the rng argument")
    e = drill.he_normal(20, 30, np.random.default_rng(8))
    assert not np.array_equal(a, e), "he_normal ignores the rng: different seeds, same array"


def test_he_keeps_the_signal_through_deep_relu_layers(drill):
    rng = np.random.default_rng(1703)
    width = 256
    x = rng.standard_normal((500, width))
    start = np.mean(x**2)
    for _ in range(20):
        x = np.maximum(x @ drill.he_normal(width, width, rng).T, 0.0)
    ratio = np.mean(x**2) / start
    assert 0.4 < ratio < 2.5, (
        f"after 20 ReLU layers initialised with he_normal the mean square of the activations "
        f"changed by a factor {ratio:.3g}; with variance 2 / fan_in it stays near 1")
