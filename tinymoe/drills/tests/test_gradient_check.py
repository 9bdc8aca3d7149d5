"""Hidden tests for the drill gradient_check. Oracles: closed-form derivatives (the error
of central differences is O(eps^2), of forward differences O(eps)) and hand-computed
relative errors."""

import numpy as np
import pytest

from tinymoe.grading.feedback import assert_close


def test_gradient_of_any_shape(drill):
    rng = np.random.default_rng(1601)
    x = rng.standard_normal(tuple(rng.integers(2, 5, size=3)))
    before = x.copy()
    f = lambda a: float(np.sum(np.sin(a) * a**2))
    g = drill.numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before, err_msg="x does not hold its original values "
                                  "after numerical_gradient: restore each entry (or use a copy)")
    assert np.shape(g) == x.shape, f"gradient of shape {np.shape(g)}; expected {x.shape}"
    assert_close(g, np.cos(x) * x**2 + 2 * x * np.sin(x), rtol=1e-6, atol=1e-8,
                 err_msg="the numerical gradient of sum(sin(x) x^2) is wrong")


def test_central_not_forward_differences(drill):
    rng = np.random.default_rng(1602)
    x = rng.uniform(1.0, 2.0, size=5)
    f = lambda a: float(np.sum(a**3))
    eps = 1e-4  # large enough that the O(eps) error of forward differences shows
    g = drill.numerical_gradient(f, x.copy(), eps=eps)
    exact = 3 * x**2
    if np.allclose(g, exact + 3 * x * eps, rtol=1e-6):
        pytest.fail("these are forward differences (f(x + eps) - f(x)) / eps, whose error is "
                    "O(eps): use central ones, (f(x + eps) - f(x - eps)) / (2 eps)")
    if np.allclose(g, 2 * exact, rtol=1e-6):
        pytest.fail("the gradient is twice too large: divide by 2 eps")
    assert_close(g, exact, rtol=1e-7,
                 err_msg="central differences of sum(x^3) with eps = 1e-4 must be 3 x^2 "
                         "within eps^2 (did you ignore the eps argument?)")


def test_relative_error(drill):
    got = drill.relative_error(np.array([1.0, 0.0]), np.array([1.001, 0.0]))
    assert np.ndim(got) == 0, "relative_error must return one number"
    assert_close(got, 0.001 / 2.001, rtol=1e-12,
                 err_msg="relative_error([1, 0], [1.001, 0]) = 0.001 / 2.001 (and 0 where "
                         "both are 0, not nan)")
    rng = np.random.default_rng(1603)
    a = rng.standard_normal((3, 4))
    assert drill.relative_error(a, a) == 0.0, "relative_error(a, a) must be 0"
    assert_close(drill.relative_error(a, -a), 1.0, rtol=1e-12,
                 err_msg="relative_error(a, -a) must be 1 (|a - n| / (|a| + |n|))")
    scaled = drill.relative_error(1e-9 * a, 1e-9 * a * (1 + 1e-3))
    assert_close(scaled, 1e-3 / (2 + 1e-3), rtol=1e-6,
                 err_msg="relative_error must not depend on the scale of the gradients")
