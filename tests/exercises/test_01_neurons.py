"""Graded tests for lesson 01: neurons, dense layers, activations and their derivatives."""

import numpy as np
import pytest


@pytest.fixture
def m(load_exercise):
    return load_exercise("01_neurons")


def _central_diff(f, z, eps=1e-6):
    """Elementwise derivative of an elementwise function f, by central differences."""
    return (f(z + eps) - f(z - eps)) / (2 * eps)


@pytest.mark.exercise("01.1")
@pytest.mark.points(1)
def test_neuron_weighted_sum(m, rng):
    x = rng.standard_normal((7, 5))
    w = rng.standard_normal(5)
    z = m.neuron(x, w, 0.5)
    expected = (x * w).sum(axis=1) + 0.5
    assert np.shape(z) == (7,), f"neuron returned shape {np.shape(z)}; expected (7,), one per row"
    np.testing.assert_allclose(
        z, expected, rtol=1e-12, err_msg="z must be sum_i x[n, i] * w[i] + b for every row n"
    )
    np.testing.assert_allclose(
        m.neuron(np.array([[1.0, 2.0]]), np.array([0.5, -1.0]), 0.25),
        [-1.25],
        err_msg="the worked example in the docstring gives -1.25",
    )


@pytest.mark.exercise("01.2")
@pytest.mark.points(1)
def test_dense_forward_matches_torch(m, rng, torch):
    x = rng.standard_normal((6, 4))
    W = rng.standard_normal((3, 4))
    b = rng.standard_normal(3)
    y = m.dense_forward(x, W, b)
    expected = torch.nn.functional.linear(
        torch.from_numpy(x), torch.from_numpy(W), torch.from_numpy(b)
    ).numpy()
    assert np.shape(y) == (6, 3), (
        f"dense_forward returned shape {np.shape(y)}; expected (N, D_out) = (6, 3)"
    )
    np.testing.assert_allclose(
        y,
        expected,
        rtol=1e-10,
        atol=1e-12,
        err_msg="y must be x @ W.T + b, with W stored as (D_out, D_in) like PyTorch",
    )


@pytest.mark.exercise("01.2")
@pytest.mark.points(1)
def test_dense_forward_rejects_bad_shapes(m, rng):
    x = rng.standard_normal((6, 4))
    W = rng.standard_normal((3, 4))
    b = rng.standard_normal(3)
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        # W transposed: (D_in, D_out) instead of (D_out, D_in); message must name the shape
        m.dense_forward(x, W.T, b)
    with pytest.raises(ValueError):
        # bias of shape (D_out, 1) would silently broadcast to (N, D_out)... or worse
        m.dense_forward(x, W, b.reshape(3, 1))


@pytest.mark.exercise("01.3")
@pytest.mark.points(1)
def test_sigmoid_matches_torch(m, rng, torch):
    x = 6 * rng.standard_normal((5, 8))
    s = m.sigmoid(x)
    np.testing.assert_allclose(
        s,
        torch.sigmoid(torch.from_numpy(x)).numpy(),
        rtol=1e-12,
        atol=1e-15,
        err_msg="sigmoid(x) must be 1 / (1 + exp(-x)) elementwise",
    )
    np.testing.assert_allclose(
        m.sigmoid(-x), 1 - s, atol=1e-12, err_msg="sigmoid(-x) must equal 1 - sigmoid(x)"
    )


@pytest.mark.exercise("01.3")
@pytest.mark.points(2)
def test_sigmoid_is_stable(m):
    x = np.array([-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4])
    with np.errstate(over="raise", invalid="raise"):
        try:
            s = m.sigmoid(x)
        except FloatingPointError as err:
            pytest.fail(
                f"your sigmoid overflows for large |x| ({err}): exp(-x) for x = -1000 is "
                "inf. Use the two-branch form: exp(x) / (1 + exp(x)) when x < 0"
            )
    assert np.all(np.isfinite(s)), f"sigmoid gave non-finite values {s}"
    np.testing.assert_allclose(s[[0, 1, 3, 5, 6]], [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-15)
    assert 0 < s[2] < 1e-20, "sigmoid(-50) is about 2e-22: tiny but not exactly zero"


@pytest.mark.exercise("01.4")
@pytest.mark.points(1)
def test_smooth_activation_grads(m, rng):
    z = 3 * rng.standard_normal(50)
    got = {name: m.activation_grad(name, z) for name in ("sigmoid", "tanh")}
    for g in got.values():
        assert np.shape(g) == z.shape, f"activation_grad returned {np.shape(g)}; want {z.shape}"
    if np.allclose(got["tanh"], 1 - z**2):
        pytest.fail("you computed 1 - z^2: tanh'(z) = 1 - tanh(z)^2 (square the OUTPUT)")
    if np.allclose(got["sigmoid"], z * (1 - z)):
        pytest.fail("you computed z(1 - z): sigmoid'(z) = s(1 - s) with s = sigmoid(z)")
    references = {"sigmoid": lambda t: 1 / (1 + np.exp(-t)), "tanh": np.tanh}
    for name, f in references.items():
        np.testing.assert_allclose(
            got[name],
            _central_diff(f, z),
            rtol=1e-6,
            atol=1e-9,
            err_msg=f"{name}'(z) disagrees with a central finite difference",
        )


@pytest.mark.exercise("01.4")
@pytest.mark.points(1)
def test_relu_grad_and_unknown_name(m, rng):
    z = rng.standard_normal(40)
    z[:3] = [0.0, -0.0, 1e-12]
    got = m.activation_grad("relu", z)
    np.testing.assert_array_equal(
        got,
        (z > 0).astype(float),
        err_msg="relu'(z) is 1 where z > 0 and 0 elsewhere (0 at z = 0 by convention)",
    )
    with pytest.raises(ValueError):
        m.activation_grad("swish", z)


@pytest.mark.exercise("01.5")
@pytest.mark.points(2)
def test_mlp_forward_matches_torch(m, rng, torch):
    for activation in ("relu", "tanh"):
        _check_mlp(m, rng, torch, activation)


def _check_mlp(m, rng, torch, activation):
    sizes = [5, 7, 6, 2]
    layers = [
        (rng.standard_normal((d_out, d_in)), rng.standard_normal(d_out))
        for d_in, d_out in zip(sizes[:-1], sizes[1:])
    ]
    x = rng.standard_normal((4, sizes[0]))
    got = m.mlp_forward(x, layers, activation)
    act = {"relu": torch.relu, "tanh": torch.tanh}[activation]
    h = torch.from_numpy(x)
    for k, (W, b) in enumerate(layers):
        h = torch.nn.functional.linear(h, torch.from_numpy(W), torch.from_numpy(b))
        if k < len(layers) - 1:
            h = act(h)
    assert np.shape(got) == (4, 2), f"mlp_forward returned {np.shape(got)}; expected (4, 2)"
    if activation == "relu" and np.all(got >= 0) and np.any(h.numpy() < 0):
        pytest.fail("all outputs are >= 0: the last layer must be linear (no activation)")
    np.testing.assert_allclose(
        got,
        h.numpy(),
        rtol=1e-10,
        atol=1e-12,
        err_msg="expected dense -> activation for each layer, the last layer linear",
    )
