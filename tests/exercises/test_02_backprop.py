"""Graded tests for lesson 02: backprop by hand through a 2-layer network, gradient checking."""

import numpy as np
import pytest

SHAPES = {"W1": (6, 4), "b1": (6,), "W2": (3, 6), "b2": (3,)}


@pytest.fixture
def m(load_exercise):
    return load_exercise("02_backprop")


def _params(rng):
    return {name: 0.7 * rng.standard_normal(shape) for name, shape in SHAPES.items()}


def _torch_loss_and_grads(torch, params, x, y):
    """The network's MSE loss and its gradients, by PyTorch autograd."""
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    F = torch.nn.functional
    h = torch.tanh(F.linear(torch.from_numpy(x), p["W1"], p["b1"]))
    loss = F.mse_loss(F.linear(h, p["W2"], p["b2"]), torch.from_numpy(y))
    loss.backward()
    return loss.item(), {k: v.grad.numpy() for k, v in p.items()}


def _assert_grad(name, got, expected):
    assert np.shape(got) == expected.shape, (
        f"{name} has shape {np.shape(got)}; expected {expected.shape}"
        + (": transposed?" if np.shape(got) == expected.shape[::-1] else "")
        + (": sum over the batch axis 0, no keepdims" if np.ndim(got) != expected.ndim else "")
    )
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10, err_msg=f"{name} is wrong")


@pytest.mark.exercise("02.1")
@pytest.mark.points(2)
def test_linear_backward_matches_torch(m, rng, torch):
    x, W, b = rng.standard_normal((5, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    dy = rng.standard_normal((5, 3))
    dx, dW, db = m.linear_backward(x, W, dy)
    tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    (torch.nn.functional.linear(tx, tW, tb) * torch.from_numpy(dy)).sum().backward()
    _assert_grad("dx", dx, tx.grad.numpy())
    _assert_grad("dW", dW, tW.grad.numpy())
    _assert_grad("db", db, tb.grad.numpy())


@pytest.mark.exercise("02.2")
@pytest.mark.points(1)
def test_forward_matches_torch(m, rng, torch):
    params = _params(rng)
    x = rng.standard_normal((5, 4))
    y_hat, _ = m.forward(params, x)
    F = torch.nn.functional
    t = {k: torch.from_numpy(v) for k, v in params.items()}
    h = torch.tanh(F.linear(torch.from_numpy(x), t["W1"], t["b1"]))
    expected = F.linear(h, t["W2"], t["b2"]).numpy()
    assert np.shape(y_hat) == (5, 3), f"y_hat has shape {np.shape(y_hat)}; expected (N, O) = (5, 3)"
    np.testing.assert_allclose(
        y_hat,
        expected,
        rtol=1e-10,
        atol=1e-12,
        err_msg="y_hat = tanh(x W1^T + b1) W2^T + b2: is the output layer linear (no tanh)?",
    )


@pytest.mark.exercise("02.3")
@pytest.mark.points(2)
def test_backward_matches_torch(m, rng, torch):
    params = _params(rng)
    x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
    y_hat, cache = m.forward(params, x)
    grads = m.backward(params, cache, 2 * (y_hat - y) / y_hat.size)
    _, expected = _torch_loss_and_grads(torch, params, x, y)
    assert set(grads) == set(SHAPES), f"backward returned keys {sorted(grads)}; want W1 b1 W2 b2"
    for name in ("W2", "b2"):
        _assert_grad(name, grads[name], expected[name])
    z1 = x @ params["W1"].T + params["b1"]
    dh = 2 * (np.tanh(z1) @ params["W2"].T + params["b2"] - y) / y.size @ params["W2"]
    if np.allclose(grads["W1"], dh.T @ x):
        pytest.fail("dW1 misses tanh's derivative: multiply dh by 1 - h^2 before the 1st layer")
    if np.allclose(grads["W1"], (dh * (1 - z1**2)).T @ x):
        pytest.fail("dW1 used 1 - z1^2: tanh'(z1) = 1 - tanh(z1)^2 = 1 - h^2")
    for name in ("W1", "b1"):
        _assert_grad(name, grads[name], expected[name])


@pytest.mark.exercise("02.3")
@pytest.mark.points(1)
def test_backward_zero_upstream_gives_zero_grads(m, rng):
    params = _params(rng)
    y_hat, cache = m.forward(params, rng.standard_normal((3, 4)))
    grads = m.backward(params, cache, np.zeros_like(y_hat))
    for name, shape in SHAPES.items():
        assert np.shape(grads[name]) == shape, (
            f"{name} has shape {np.shape(grads[name])}; expected {shape}, its parameter's shape"
        )
        assert not np.any(grads[name]), f"{name} must be zero when dL/dy_hat is zero"


@pytest.mark.exercise("02.4")
@pytest.mark.points(1)
def test_numerical_grad_of_known_function(m, rng):
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


@pytest.mark.exercise("02.4")
@pytest.mark.points(1)
def test_numerical_grad_is_central(m, rng):
    x = rng.uniform(1.0, 2.0, size=5)
    g = m.numerical_grad(lambda a: float(np.sum(a**3)), x, eps=1e-3)
    # central: 3x^2 + eps^2 (error 1e-6); forward difference: 3x^2 + 3x eps (error > 3e-3)
    np.testing.assert_allclose(
        g,
        3 * x**2,
        atol=1e-5,
        err_msg="error is O(eps), not O(eps^2): use (f(x+eps) - f(x-eps)) / (2 eps)",
    )


@pytest.mark.exercise("02.5")
@pytest.mark.points(1)
def test_relative_error_properties(m, rng):
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    r = m.relative_error(a, b)
    assert m.relative_error(a, a) == 0.0, "relative_error(a, a) must be 0"
    assert np.isclose(m.relative_error(a, -a), 1.0), "relative_error(a, -a) must be 1"
    assert np.isclose(m.relative_error(1e-9 * a, 1e-9 * b), r), (
        "relative error must not change when both gradients are scaled: divide by their norms"
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
def test_grad_check_accepts_correct_grads(m, rng, torch):
    params = _params(rng)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    _, grads = _torch_loss_and_grads(torch, params, x, y)
    before = {k: v.copy() for k, v in params.items()}
    report = m.grad_check(lambda p: _numpy_loss(p, x, y), params, grads)
    assert set(report) == set(SHAPES), f"report keys {sorted(report)}; want one per parameter"
    for name, err in report.items():
        assert err < 1e-6, f"correct gradient of {name} gave relative error {err:.2e}"
        np.testing.assert_array_equal(params[name], before[name], err_msg=f"{name} was modified")


@pytest.mark.exercise("02.6")
@pytest.mark.points(1)
def test_grad_check_catches_planted_bug(m, rng, torch):
    params = _params(rng)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    _, grads = _torch_loss_and_grads(torch, params, x, y)
    grads["W1"] = grads["W1"] * 1.05  # the planted bug: W1's gradient is 5% too large
    report = m.grad_check(lambda p: _numpy_loss(p, x, y), params, grads)
    assert report["W1"] > 1e-2, (
        f"the 5% error planted in W1's gradient gave relative error {report['W1']:.2e}; "
        "it should be about 2.4e-2"
    )
    for name in ("b1", "W2", "b2"):
        assert report[name] < 1e-6, f"{name} is correct but got relative error {report[name]:.2e}"
