"""Hidden tests for batch norm: oracle tinymoe autograd on the same formula composed from
engine ops (value and gradients for a random upstream dy), float64 finite differences,
and invariants (normalised columns, dx sums to 0 over the batch)."""

import numpy as np

import tinymoe as tm
from tinymoe.gradcheck import numerical_gradient
from tinymoe.grading.feedback import assert_close, close, diagnose


def _engine(x, gamma, beta, dy, eps):
    with tm.use_backend("numpy"):
        xt = tm.tensor(x, requires_grad=True)
        g = tm.tensor(gamma, requires_grad=True)
        b = tm.tensor(beta, requires_grad=True)
        centred = xt - xt.mean(dim=0, keepdim=True)
        var = (centred * centred).mean(dim=0, keepdim=True)
        y = centred / (var + eps).sqrt() * g + b
        y.backward(dy)
    return y.data, xt.grad, g.grad, b.grad


def _problem(rng):
    n, d = int(rng.integers(2, 30)), int(rng.integers(1, 9))
    x = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d) + rng.standard_normal(d)
    return x, rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal((n, d))


def test_forward_matches_the_engine(drill):
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, gamma, beta, dy = _problem(rng)
        y, _ = drill.batchnorm_forward(x.copy(), gamma, beta, eps=1e-5)
        want = _engine(x, gamma, beta, dy, 1e-5)[0]
        unbiased = (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + 1e-5) * gamma + beta
        message = diagnose(y, want, {
            "batch statistics use the biased variance (divide by N, not N - 1)": unbiased,
            "normalise each feature over the batch (axis 0), not each sample over features":
                (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
                * gamma + beta,
        })
        assert close(y, want, rtol=1e-8, atol=1e-10), f"batchnorm_forward: {message}"


def test_backward_matches_autograd_with_a_random_upstream(drill):
    rng = np.random.default_rng(1)
    for _ in range(5):
        x, gamma, beta, dy = _problem(rng)
        _, cache = drill.batchnorm_forward(x.copy(), gamma, beta, eps=1e-5)
        dx, dgamma, dbeta = drill.batchnorm_backward(dy.copy(), cache)
        _, want_dx, want_dgamma, want_dbeta = _engine(x, gamma, beta, dy, 1e-5)
        assert_close(dbeta, want_dbeta, rtol=1e-8, atol=1e-10,
                     err_msg="dbeta must be dy summed over the batch")
        assert_close(dgamma, want_dgamma, rtol=1e-8, atol=1e-10,
                     err_msg="dgamma must be (dy * xhat) summed over the batch")
        std = np.sqrt(x.var(0) + 1e-5)
        message = diagnose(dx, want_dx, {
            "dx ignores that the mean and variance depend on x (dy * gamma / std is only "
            "the first of three terms)": dy * gamma / std,
        })
        assert close(dx, want_dx, rtol=1e-7, atol=1e-9), f"dx: {message}"
        assert_close(np.sum(dx, axis=0), 0.0, atol=1e-9,
                     err_msg="dx must sum to 0 over the batch (a shift of x changes nothing)")


def test_dx_matches_finite_differences(drill):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 3))
    gamma, beta, dy = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((5, 3))

    def objective(a):
        y, _ = drill.batchnorm_forward(a, gamma, beta, eps=1e-3)
        return float(np.sum(y * dy))

    numeric = numerical_gradient(objective, x.copy())
    _, cache = drill.batchnorm_forward(x.copy(), gamma, beta, eps=1e-3)
    dx, _, _ = drill.batchnorm_backward(dy, cache)
    assert_close(dx, numeric, rtol=1e-5, atol=1e-7,
                 err_msg="dx disagrees with finite differences of your own forward")
