"""Graded tests for lesson 02: backprop by hand through a 2-layer network, gradient checking.

Oracles: the tinymoe engine's autograd (itself checked against PyTorch in the engine's own
tests), closed forms and finite differences. Every random draw is seeded inside the test.
"""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe.nn import functional as F

SHAPES = {"W1": (6, 4), "b1": (6,), "W2": (3, 6), "b2": (3,)}


@pytest.fixture
def m(load_exercise):
    return load_exercise("02_backprop")


def _linear_backward(x, W, dy):
    return dy @ W, dy.T @ x, dy.sum(axis=0)


def _numerical_grad(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def _relative_error(a, b):
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


@pytest.fixture
def m_alone(m, monkeypatch):
    """The lesson module with correct versions of the helpers that backward (02.3) and
    grad_check (02.6) may call, so that each is graded apart from exercises 02.1, 02.4 and
    02.5 (whose own tests report their mistakes)."""
    monkeypatch.setattr(m, "linear_backward", _linear_backward)
    monkeypatch.setattr(m, "numerical_grad", _numerical_grad)
    monkeypatch.setattr(m, "relative_error", _relative_error)
    return m


def _params(rng):
    return {name: 0.7 * rng.standard_normal(shape) for name, shape in SHAPES.items()}


def _t(a, grad=False):
    return tm.tensor(a, requires_grad=grad, dtype=tm.float64)


def _engine_network(params, x):
    """The network's output y_hat as a tinymoe graph, and its parameter leaves."""
    p = {k: _t(v, grad=True) for k, v in params.items()}
    h = F.tanh(F.linear(_t(x), p["W1"], p["b1"]))
    return F.linear(h, p["W2"], p["b2"]), p


def _engine_grads(params, x, upstream):
    """d(sum(y_hat * upstream))/d(each parameter), by the tinymoe engine."""
    y_hat, p = _engine_network(params, x)
    y_hat.backward(upstream)
    return {k: v.grad for k, v in p.items()}


def _engine_loss_and_grads(params, x, y):
    """The network's MSE loss and its gradients, by the tinymoe engine."""
    y_hat, p = _engine_network(params, x)
    loss = F.mse_loss(y_hat, _t(y))
    loss.backward()
    return loss.item(), {k: v.grad for k, v in p.items()}


def _assert_grad(name, got, expected):
    assert np.shape(got) == expected.shape, (
        f"{name} has shape {np.shape(got)}; expected {expected.shape}"
        + (": transposed?" if np.shape(got) == expected.shape[::-1] else "")
        + (": sum over the batch axis 0, no keepdims" if np.ndim(got) != expected.ndim else "")
    )
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10, err_msg=f"{name} is wrong")


@pytest.mark.exercise("02.1")
@pytest.mark.points(2)
def test_linear_backward_matches_engine(m):
    rng = np.random.default_rng(201)
    x, W, b = rng.standard_normal((5, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    dy = rng.standard_normal((5, 3))  # an upstream gradient, not all ones
    dx, dW, db = m.linear_backward(x, W, dy)
    tx, tW, tb = _t(x, True), _t(W, True), _t(b, True)
    F.linear(tx, tW, tb).backward(dy)
    _assert_grad("dx", dx, tx.grad)
    _assert_grad("dW", dW, tW.grad)
    if np.allclose(db, tb.grad / len(x)) or np.allclose(dW, tW.grad / len(x)):
        pytest.fail("db or dW is divided by N: dy already holds the loss's 1/N, just sum")
    _assert_grad("db", db, tb.grad)


@pytest.mark.exercise("02.2")
@pytest.mark.points(1)
def test_forward_matches_engine(m):
    rng = np.random.default_rng(202)
    params = _params(rng)
    x = rng.standard_normal((5, 4))
    y_hat, cache = m.forward(params, x)
    expected = _engine_network(params, x)[0].data
    assert np.shape(y_hat) == (5, 3), f"y_hat has shape {np.shape(y_hat)}; expected (N, O) = (5, 3)"
    if np.allclose(y_hat, np.tanh(expected)):
        pytest.fail("y_hat went through tanh: the output layer is linear, h W2^T + b2")
    np.testing.assert_allclose(
        y_hat,
        expected,
        rtol=1e-10,
        atol=1e-12,
        err_msg="y_hat must be tanh(x W1^T + b1) W2^T + b2",
    )
    z1 = x @ params["W1"].T + params["b1"]
    assert len(cache) == 2, f"cache must be (x, h); got {len(cache)} items"
    cached_x, cached_h = cache
    np.testing.assert_array_equal(cached_x, x, err_msg="cache[0] must be the input x")
    if np.shape(cached_h) == z1.shape and np.allclose(cached_h, z1):
        pytest.fail("cache[1] is z1, the value BEFORE tanh: cache h = tanh(z1), which backward "
                    "needs for tanh'(z1) = 1 - h^2")
    np.testing.assert_allclose(cached_h, np.tanh(z1), rtol=1e-12,
                               err_msg="cache[1] must be h = tanh(x W1^T + b1)")


@pytest.mark.exercise("02.3")
@pytest.mark.points(2)
def test_backward_matches_engine(m_alone):
    m = m_alone
    rng = np.random.default_rng(203)
    params = _params(rng)
    x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
    h = np.tanh(x @ params["W1"].T + params["b1"])  # the documented cache, built here
    y_hat = h @ params["W2"].T + params["b2"]
    grads = m.backward(params, (x, h), 2 * (y_hat - y) / y_hat.size)
    _, expected = _engine_loss_and_grads(params, x, y)
    assert set(grads) == set(SHAPES), f"backward returned keys {sorted(grads)}; want W1 b1 W2 b2"
    for name in ("W2", "b2"):
        _assert_grad(name, grads[name], expected[name])
    z1 = x @ params["W1"].T + params["b1"]
    dh = 2 * (np.tanh(z1) @ params["W2"].T + params["b2"] - y) / y.size @ params["W2"]
    if np.allclose(grads["W1"], dh.T @ x):
        pytest.fail("dW1 misses tanh's derivative: multiply dh by 1 - h^2 before the 1st layer")
    if np.allclose(grads["W1"], (dh * (1 - z1**2)).T @ x):
        pytest.fail("dW1 used 1 - z1^2: tanh'(z1) = 1 - tanh(z1)^2 = 1 - h^2")
    if np.allclose(grads["W1"], (dh * (1 - h)).T @ x):
        pytest.fail("dW1 used 1 - h: tanh'(z1) = 1 - h^2 (square h)")
    for name in ("W1", "b1"):
        _assert_grad(name, grads[name], expected[name])


@pytest.mark.exercise("02.3")
@pytest.mark.points(1)
def test_backward_any_upstream_gradient(m_alone):
    m = m_alone
    rng = np.random.default_rng(204)
    params = _params(rng)
    x = rng.standard_normal((6, 4))
    h = np.tanh(x @ params["W1"].T + params["b1"])
    upstream = rng.standard_normal((6, 3))  # dL/dy_hat of some other loss
    grads = m.backward(params, (x, h), upstream)
    expected = _engine_grads(params, x, upstream)
    for name in SHAPES:
        _assert_grad(name, grads[name], expected[name])


@pytest.mark.exercise("02.3")
@pytest.mark.points(1)
def test_backward_zero_upstream_gives_zero_grads(m_alone):
    m = m_alone
    rng = np.random.default_rng(205)
    params = _params(rng)
    x = rng.standard_normal((3, 4))
    h = np.tanh(x @ params["W1"].T + params["b1"])
    grads = m.backward(params, (x, h), np.zeros((3, 3)))
    for name, shape in SHAPES.items():
        assert np.shape(grads[name]) == shape, (
            f"{name} has shape {np.shape(grads[name])}; expected {shape}, its parameter's shape"
        )
        assert not np.any(grads[name]), f"{name} must be zero when dL/dy_hat is zero"


@pytest.mark.exercise("02.4")
@pytest.mark.points(1)
def test_numerical_grad_of_known_function(m):
    rng = np.random.default_rng(206)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    g = m.numerical_grad(lambda a: float(np.sum(np.sin(a))), x)
    np.testing.assert_array_equal(
        x, before, err_msg="numerical_grad must restore every entry of x it perturbs"
    )
    assert np.shape(g) == x.shape, f"gradient has shape {np.shape(g)}; expected {x.shape}"
    np.testing.assert_allclose(
        g, np.cos(x), rtol=1e-7, atol=1e-8, err_msg="d/dx sum(sin x) must be cos x"
    )
    # an f that reads x itself (as grad_check's loss reads params), not its argument
    g = m.numerical_grad(lambda _: float(np.sum(np.sin(x))), x)
    if np.allclose(g, 0):
        pytest.fail("with an f that reads the array x directly your gradient is 0: perturb x "
                    "itself IN PLACE (and restore it), not a copy")
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-7, atol=1e-8,
                               err_msg="perturb x itself in place: f may read x directly")
    np.testing.assert_array_equal(x, before, err_msg="numerical_grad must restore x exactly")


@pytest.mark.exercise("02.4")
@pytest.mark.points(1)
def test_numerical_grad_is_central(m):
    rng = np.random.default_rng(207)
    x = rng.uniform(1.0, 2.0, size=5)
    eps = 1e-3
    g = m.numerical_grad(lambda a: float(np.sum(a**3)), x, eps=eps)
    # for a cubic, central differences give exactly 3x^2 + eps^2, forward differences
    # 3x^2 + 3x eps + eps^2; a step other than eps gives 3x^2 + step^2
    central = 3 * x**2 + eps**2
    if np.allclose(g, central + 3 * x * eps, rtol=0, atol=1e-8):
        pytest.fail("forward difference (f(x+eps) - f(x)) / eps: its error is O(eps); use "
                    "(f(x+eps) - f(x-eps)) / (2 eps)")
    if not np.allclose(g, central, rtol=0, atol=1e-8) and np.allclose(g, 3 * x**2, atol=1e-7):
        pytest.fail("numerical_grad(..., eps=1e-3) gave the result of a much smaller step: "
                    "use the eps argument you are given")
    np.testing.assert_allclose(
        g,
        central,
        rtol=0,
        atol=1e-8,
        err_msg="for f = sum(x^3), central differences with step eps give 3x^2 + eps^2",
    )


@pytest.mark.exercise("02.5")
@pytest.mark.points(1)
def test_relative_error_properties(m):
    rng = np.random.default_rng(208)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    r = m.relative_error(a, b)
    assert m.relative_error(a, a) == 0.0, "relative_error(a, a) must be 0"
    assert np.isclose(m.relative_error(a, -a), 1.0), "relative_error(a, -a) must be 1"
    for scale in (1e-9, 1e4):
        assert np.isclose(m.relative_error(scale * a, scale * b), r, rtol=1e-9), (
            f"relative_error changed when both gradients were scaled by {scale:g}: a relative "
            "measure divides by their norms only (no + 1e-12 or other constant)"
        )
    assert np.isclose(m.relative_error(b, a), r), "relative_error must be symmetric"
    z = m.relative_error(np.zeros(3), np.zeros(3))
    assert z == 0.0, f"relative_error of two zero arrays must be 0.0, got {z} (0/0?)"
    expected = np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))
    assert np.isclose(r, expected), "use ||a - b|| / (||a|| + ||b||) with Frobenius norms"


def _numpy_loss(params, x, y):
    h = np.tanh(x @ params["W1"].T + params["b1"])
    return float(np.mean((h @ params["W2"].T + params["b2"] - y) ** 2))


@pytest.mark.exercise("02.6")
@pytest.mark.points(1)
def test_grad_check_accepts_correct_grads(m_alone):
    m = m_alone
    rng = np.random.default_rng(209)
    params = _params(rng)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    _, grads = _engine_loss_and_grads(params, x, y)
    before = {k: v.copy() for k, v in params.items()}
    report = m.grad_check(lambda p: _numpy_loss(p, x, y), params, grads)
    assert set(report) == set(SHAPES), f"report keys {sorted(report)}; want one per parameter"
    for name, err in report.items():
        assert err < 1e-6, f"correct gradient of {name} gave relative error {err:.2e}"
        np.testing.assert_array_equal(params[name], before[name], err_msg=f"{name} was modified")


@pytest.mark.exercise("02.6")
@pytest.mark.points(1)
def test_grad_check_catches_planted_bug(m_alone):
    m = m_alone
    rng = np.random.default_rng(210)
    params = _params(rng)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    _, grads = _engine_loss_and_grads(params, x, y)
    grads["W1"] = grads["W1"] * 1.05  # the planted bug: W1's gradient is 5% too large
    # the same loss scaled by 1e-4 and 1e4: a RELATIVE error does not change
    for scale in (1.0, 1e-4, 1e4):
        scaled = {k: scale * v for k, v in grads.items()}
        report = m.grad_check(lambda p, s=scale: s * _numpy_loss(p, x, y), params, scaled)
        assert 2e-2 < report["W1"] < 3e-2, (
            f"with the loss scaled by {scale:g}, the 5% error planted in W1's gradient gave "
            f"{report['W1']:.2e}; a relative error is 0.05 / 2.05 = 2.4e-2 at any scale: "
            "report relative_error(analytic, numerical), not an absolute difference"
        )
        for name in ("b1", "W2", "b2"):
            assert report[name] < 1e-6, (
                f"with the loss scaled by {scale:g}, {name} is correct but got relative "
                f"error {report[name]:.2e}"
            )


@pytest.mark.exercise("02.6")
@pytest.mark.points(1)
def test_grad_check_passes_eps_on(m_alone):
    m = m_alone
    w = np.random.default_rng(211).uniform(1.0, 2.0, size=4)
    # for sum(w^3), central differences with step eps give 3 w^2 + eps^2 exactly, so the
    # relative error against the exact 3 w^2 measures the eps grad_check used
    eps = 1e-2
    report = m.grad_check(lambda p: float(np.sum(p["w"] ** 3)), {"w": w}, {"w": 3 * w**2}, eps)
    exact = 3 * w**2
    predicted = np.linalg.norm(np.full(4, eps**2)) / (
        np.linalg.norm(exact) + np.linalg.norm(exact + eps**2)
    )
    if report["w"] < predicted / 100:
        pytest.fail(
            f"grad_check(..., eps=1e-2) gave relative error {report['w']:.1e}, the error of a much "
            f"smaller step (with eps = 1e-2 it is {predicted:.3e}): pass eps on to numerical_grad"
        )
    assert report["w"] == pytest.approx(predicted, rel=1e-3), (
        f"grad_check(..., eps=1e-2) gave relative error {report['w']:.3e}; with central "
        f"differences of step eps it is {predicted:.3e}"
    )
