"""nn.functional behaviour that the op table does not cover: dropout, embedding, GELU."""

import math

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.nn import functional as F


def test_dropout_keeps_expectation_and_zeroes_p_of_entries():
    tm.manual_seed(0)
    x = tm.ones(200, 200, requires_grad=True)
    y = F.dropout(x, p=0.3)
    zero_fraction = (y.data == 0).mean()
    assert zero_fraction == pytest.approx(0.3, abs=0.01)
    np.testing.assert_allclose(y.data[y.data != 0], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # same mask scales the gradient


def test_dropout_is_identity_in_eval_and_rejects_bad_p():
    x = tm.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    with pytest.raises(ValueError, match="dropout: p must lie in"):
        F.dropout(x, 1.5)


def test_embedding_gradient_adds_repeated_rows():
    weight = tm.randn(5, 3, dtype=tm.float64, requires_grad=True)
    F.embedding(np.array([[1, 1], [4, 1]]), weight).sum().backward()
    np.testing.assert_array_equal(weight.grad[:, 0], [0, 3, 0, 0, 1])


def test_gelu_matches_its_definition_with_the_error_function():
    x = np.linspace(-4, 4, 9)
    from math import erf, sqrt

    expected = [v * 0.5 * (1 + erf(v / sqrt(2))) for v in x]
    np.testing.assert_allclose(F.gelu(tm.tensor(x)).data, expected, rtol=1e-12)


EXTREME = [0.0, 1.0, -3.0, 9.9, -9.9, 11.0, -11.0, 1e13, -1e13, 1e19, 1e30, -1e30, 3e38,
           np.inf, -np.inf]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_and_its_gradient_reach_their_limits_at_extreme_inputs(dtype, approximate):
    """GELU(x) -> x and GELU'(x) -> 1 as x -> +inf, both -> 0 as x -> -inf: no inf * 0 = nan
    (x**3 overflows float32 from |x| ~ 7e12), for any |x| up to +-inf."""
    x = tm.tensor(np.array(EXTREME, dtype), requires_grad=True)
    y = F.gelu(x, approximate=approximate)
    y.sum().backward()
    big = np.abs(x.data) >= 11  # exact GELU(-11) = -2e-27, GELU'(-11) = -2.3e-26
    positive = x.data > 0
    np.testing.assert_array_equal(y.data[big & positive], x.data[big & positive])
    np.testing.assert_allclose(y.data[big & ~positive], 0, atol=1e-25)
    np.testing.assert_allclose(x.grad[big], np.where(positive[big], 1, 0), atol=1e-25)
    assert np.isfinite(y.data[np.isfinite(x.data)]).all() and np.isfinite(x.grad).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_gelu_clamp_changes_no_value_in_range(dtype, rng):
    """Below the clamp the tanh form is its plain formula, value and slope."""
    x = (rng.standard_normal(500) * 4).astype(dtype)
    t = tm.tensor(x, requires_grad=True)
    y = F.gelu(t, approximate="tanh")
    y.sum().backward()
    k, a = math.sqrt(2 / math.pi), 0.044715  # Python floats: float32 stays float32
    th = np.tanh(k * (x + a * x**3))
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(y.data, 0.5 * x * (1 + th), rtol=tol, atol=tol)
    slope = 0.5 * (1 + th) + 0.5 * x * (1 - th**2) * k * (1 + 3 * a * x**2)
    np.testing.assert_allclose(t.grad, slope, rtol=tol, atol=tol)
