"""``tinymoe.nn.init``: draw large layers and check the empirical variance against the
formulas (Xavier 2/(fan_in+fan_out), He 2/fan_in), the uniform bounds, and the gains
against ``torch.nn.init.calculate_gain``."""

import math

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn
from tinymoe.nn import init

FAN_OUT, FAN_IN = 200, 800  # unequal on purpose: He must follow fan_in, not max or mean


def big_weight(shape=(FAN_OUT, FAN_IN)):
    return nn.Parameter(np.zeros(shape, dtype=np.float64))


def assert_variance(values, expected, rel=0.03):
    assert np.var(values) == pytest.approx(expected, rel=rel)
    assert abs(np.mean(values)) < 5 * math.sqrt(expected / values.size) + 1e-12


@pytest.mark.parametrize(
    ("fn", "kwargs", "var"),
    [
        (init.xavier_uniform_, {}, 2 / (FAN_IN + FAN_OUT)),
        (init.xavier_normal_, {}, 2 / (FAN_IN + FAN_OUT)),
        (init.xavier_normal_, {"gain": 5 / 3}, (5 / 3) ** 2 * 2 / (FAN_IN + FAN_OUT)),
        (init.kaiming_uniform_, {"nonlinearity": "relu"}, 2 / FAN_IN),
        (init.kaiming_normal_, {"nonlinearity": "relu"}, 2 / FAN_IN),
        (init.kaiming_normal_, {"nonlinearity": "relu", "mode": "fan_out"}, 2 / FAN_OUT),
        (init.kaiming_normal_, {"a": 0.2}, 2 / (1 + 0.2**2) / FAN_IN),
        (init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / 3 / FAN_IN),
        (init.normal_, {"mean": 0.0, "std": 0.3}, 0.09),
        (init.uniform_, {"a": -0.5, "b": 0.5}, 1 / 12),
    ],
)
def test_empirical_variance_matches_formula(fn, kwargs, var):
    w = big_weight()
    assert fn(w, **kwargs) is w
    assert_variance(w.data, var)


def test_he_is_two_over_fan_in_not_over_max_fan():
    """Seed article 004 prints 2 / max(fan_in, fan_out); with fan_out > fan_in the two differ
    by 4x and the draw must follow 2 / fan_in."""
    w = big_weight((800, 200))
    init.kaiming_normal_(w, nonlinearity="relu")
    assert_variance(w.data, 2 / 200)
    assert np.var(w.data) > 3 * (2 / 800)


@pytest.mark.parametrize(
    ("fn", "kwargs", "bound"),
    [
        (init.xavier_uniform_, {"gain": 2.0}, 2.0 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
        (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(6 / FAN_IN)),
        (init.uniform_, {"a": -0.1, "b": 0.1}, 0.1),
    ],
)
def test_uniform_draws_fill_their_bound(fn, kwargs, bound):
    w = big_weight()
    fn(w, **kwargs)
    assert np.abs(w.data).max() <= bound
    assert np.abs(w.data).max() > 0.99 * bound
    assert w.data.min() < -0.99 * bound  # symmetric, not [0, b)


def test_conv_shaped_weight_uses_receptive_field():
    w = big_weight((128, 64, 3, 3))  # fan_in = 64 * 9, fan_out = 128 * 9
    init.xavier_normal_(w)
    assert_variance(w.data, 2 / (64 * 9 + 128 * 9))
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert_variance(w.data, 2 / (128 * 9))


def test_constant_fills_and_in_place():
    w = nn.Parameter(np.empty((3, 4), dtype=np.float32))
    array = w.data
    init.zeros_(w)
    assert w.data is array and np.all(array == 0)
    init.ones_(w)
    assert np.all(array == 1) and array.dtype == np.float32
    init.constant_(w, 0.25)
    assert np.all(array == 0.25)
    raw = np.empty(5)
    assert init.constant_(raw, 2.0) is raw and np.all(raw == 2.0)


def test_draws_come_from_the_global_generator():
    a, b = big_weight((4, 4)), big_weight((4, 4))
    tm.manual_seed(7)
    init.normal_(a)
    tm.manual_seed(7)
    init.normal_(b)
    np.testing.assert_array_equal(a.data, b.data)
    init.normal_(b)
    assert not np.array_equal(a.data, b.data)


def test_init_records_no_graph():
    w = nn.Parameter(np.zeros((3, 3)))
    init.kaiming_uniform_(w)
    assert w.is_leaf and w.grad is None


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"at least 2 dims, got shape \(5,\)"):
        init.xavier_uniform_(nn.Parameter(np.zeros(5)))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(big_weight((3, 3)), mode="fan_avg")
    with pytest.raises(ValueError, match="unsupported nonlinearity 'softplus'"):
        init.calculate_gain("softplus")


@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("linear", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
        ("conv2d", None),
    ],
)
def test_calculate_gain_matches_torch(torch, name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-12
    )
