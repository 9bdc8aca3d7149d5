"""Hidden tests for layer norm: oracle tinymoe.nn.LayerNorm (forward, and autograd
gradients for a random upstream dy), float64 finite differences, invariants."""

import numpy as np

import tinymoe as tm
from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading.feedback import assert_close, close, diagnose


def _engine(x, gamma, beta, dy, eps):
    with tm.use_backend("numpy"):
        ln = tm.nn.LayerNorm(x.shape[-1], eps=eps, dtype=tm.float64)
        ln.weight.data, ln.bias.data = gamma.copy(), beta.copy()
        xt = tm.tensor(x, requires_grad=True)
        y = ln(xt)
        y.backward(dy)
    return y.data, xt.grad, ln.weight.grad, ln.bias.grad


def _problem(rng, ndim):
    shape = tuple(int(n) for n in rng.integers(1, 7, size=ndim - 1)) + (int(rng.integers(2, 11)),)
    d = shape[-1]
    x = rng.standard_normal(shape) * rng.uniform(0.5, 3) + rng.standard_normal()
    return x, rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal(shape)


def test_forward_matches_the_engine(drill):
    rng = np.random.default_rng(0)
    for ndim in (2, 3, 3, 4):
        x, gamma, beta, dy = _problem(rng, ndim)
        y, _ = drill.layernorm_forward(x.copy(), gamma, beta, eps=1e-5)
        want = _engine(x, gamma, beta, dy, 1e-5)[0]
        batch_axis = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) * gamma + beta
        message = diagnose(y, want, {
            "layer norm normalises each row over its last axis (features), not over the "
            "batch (that is batch norm)": batch_axis,
        })
        assert close(y, want, rtol=1e-8, atol=1e-10), (
            f"layernorm_forward on shape {x.shape}: {message}")


def test_backward_matches_autograd_with_a_random_upstream(drill):
    rng = np.random.default_rng(1)
    for ndim in (2, 3, 4):
        x, gamma, beta, dy = _problem(rng, ndim)
        _, cache = drill.layernorm_forward(x.copy(), gamma, beta, eps=1e-5)
        dx, dgamma, dbeta = drill.layernorm_backward(dy.copy(), cache)
        _, want_dx, want_dgamma, want_dbeta = _engine(x, gamma, beta, dy, 1e-5)
        assert np.shape(dgamma) == gamma.shape, (
            f"dgamma must have shape (D,)={gamma.shape}: sum over all leading axes of "
            f"x {x.shape}, got {np.shape(dgamma)}")
        assert_close(dbeta, want_dbeta, rtol=1e-8, atol=1e-10,
                     err_msg="dbeta must be dy summed over all leading axes")
        assert_close(dgamma, want_dgamma, rtol=1e-8, atol=1e-10,
                     err_msg="dgamma must be (dy * xhat) summed over all leading axes")
        std = np.sqrt(x.var(-1, keepdims=True) + 1e-5)
        message = diagnose(dx, want_dx, {
            "dx ignores that the row's mean and variance depend on x": dy * gamma / std,
        })
        assert close(dx, want_dx, rtol=1e-7, atol=1e-9), f"dx: {message}"
        assert_close(np.sum(dx, axis=-1), 0.0, atol=1e-9,
                     err_msg="each row of dx must sum to 0 (adding a constant to a row "
                             "changes nothing)")


def test_dx_matches_finite_differences(drill):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4))
    gamma, beta, dy = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(x.shape)

    def objective(a):
        y, _ = drill.layernorm_forward(a, gamma, beta, eps=1e-3)
        return float(np.sum(y * dy))

    numeric = numerical_gradient(objective, x.copy())
    _, cache = drill.layernorm_forward(x.copy(), gamma, beta, eps=1e-3)
    dx, _, _ = drill.layernorm_backward(dy, cache)
    assert_close(dx, numeric, rtol=1e-5, atol=1e-7,
                 err_msg="dx disagrees with finite differences of your own forward")
