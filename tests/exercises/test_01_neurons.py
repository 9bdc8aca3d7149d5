"""Graded tests for lesson 01: neurons, dense layers, activations and their derivatives.

Oracles: closed forms written out here in NumPy, and central finite differences.
Every random draw comes from a generator seeded inside the test.
"""

import numpy as np
import pytest


@pytest.fixture
def m(load_exercise):
    return load_exercise("01_neurons")


def _sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _dense_forward(x, W, b):
    if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[1] or b.shape != (W.shape[0],):
        raise ValueError(f"dense_forward: x {x.shape}, W {W.shape}, b {b.shape} do not fit")
    return x @ W.T + b


@pytest.fixture
def m_alone(m, monkeypatch):
    """The lesson module with correct versions of what activation_grad (01.4) and
    mlp_forward (01.5) may call: sigmoid (01.3) and dense_forward (01.2). Each exercise is
    then graded apart from the earlier ones, whose own tests report their mistakes."""
    monkeypatch.setattr(m, "sigmoid", _sigmoid)
    monkeypatch.setattr(m, "dense_forward", _dense_forward)
    monkeypatch.setattr(m, "ACTIVATIONS", {**m.ACTIVATIONS, "sigmoid": _sigmoid})
    return m


def _central_diff(f, z, eps=1e-6):
    """Elementwise derivative of an elementwise function f, by central differences."""
    return (f(z + eps) - f(z - eps)) / (2 * eps)


def _expect_value_error(call, what, must_name=None):
    """Run call(); fail with a message naming `what` unless it raises ValueError (whose
    message contains `must_name`, when given)."""
    try:
        call()
    except ValueError as err:
        if any(word in str(err) for word in ("matmul", "broadcast", "gufunc")):
            pytest.fail(
                f"dense_forward({what}) failed inside NumPy ({err}): check the shapes yourself "
                "first and raise ValueError with a message naming them"
            )
        if must_name and must_name not in str(err):
            pytest.fail(
                f"dense_forward raised ValueError for {what}, but its message {str(err)!r} "
                f"does not name the shapes: include them, e.g. W {must_name}"
            )
        return
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 (the learner's code may raise anything)
        pytest.fail(
            f"dense_forward must raise ValueError for {what}; it raised "
            f"{type(err).__name__}: {err}. Check the shapes yourself and raise ValueError"
        )
    pytest.fail(f"dense_forward accepted {what}: check the shapes and raise ValueError")


@pytest.mark.exercise("01.1")
@pytest.mark.points(1)
def test_neuron_weighted_sum(m):
    rng = np.random.default_rng(101)
    x = rng.standard_normal((7, 5))
    w = rng.standard_normal(5)
    x_before, w_before = x.copy(), w.copy()
    z = m.neuron(x, w, 0.5)
    np.testing.assert_array_equal(
        x, x_before, err_msg="neuron changed its input x in place: compute a new array"
    )
    np.testing.assert_array_equal(w, w_before, err_msg="neuron changed its input w in place")
    expected = np.array([sum(x[n, i] * w[i] for i in range(5)) + 0.5 for n in range(7)])
    assert np.shape(z) == (7,), f"neuron returned shape {np.shape(z)}; expected (7,), one per row"
    if np.allclose(z, expected - 0.5):
        pytest.fail("z is missing the bias: z = x . w + b")
    np.testing.assert_allclose(
        z, expected, rtol=1e-12, err_msg="z must be sum_i x[n, i] * w[i] + b for every row n"
    )
    np.testing.assert_allclose(
        m.neuron(np.array([[1.0, 2.0]]), np.array([0.5, -1.0]), 0.25),
        [-1.25],
        err_msg="the worked example in the docstring gives -1.25",
    )


def _dense(x, W, b):
    """y[n, o] = sum_i x[n, i] W[o, i] + b[o], written as a sum of outer products."""
    return sum(np.outer(x[:, i], W[:, i]) for i in range(x.shape[1])) + b


@pytest.mark.exercise("01.2")
@pytest.mark.points(1)
def test_dense_forward_values(m):
    rng = np.random.default_rng(102)
    x = rng.standard_normal((6, 4))
    W = rng.standard_normal((3, 4))
    b = rng.standard_normal(3)
    y = m.dense_forward(x, W, b)
    assert np.shape(y) == (6, 3), (
        f"dense_forward returned shape {np.shape(y)}; expected (N, D_out) = (6, 3)"
    )
    np.testing.assert_allclose(
        y,
        _dense(x, W, b),
        rtol=1e-10,
        atol=1e-12,
        err_msg="y must be x @ W.T + b, with W stored as (D_out, D_in) like PyTorch",
    )


@pytest.mark.exercise("01.2")
@pytest.mark.points(1)
def test_dense_forward_rejects_bad_shapes(m):
    rng = np.random.default_rng(103)
    x = rng.standard_normal((6, 4))
    W = rng.standard_normal((3, 4))
    b = rng.standard_normal(3)
    # W transposed: (D_in, D_out) instead of (D_out, D_in); the message must name the shape
    _expect_value_error(lambda: m.dense_forward(x, W.T, b), "W of shape (4, 3) (transposed)",
                        must_name="(4, 3)")
    # a square W in the wrong layout cannot be detected; a square-looking bias can:
    # with N == D_out, b of shape (D_out, 1) silently broadcasts to an (N, D_out) bias matrix
    x3 = rng.standard_normal((3, 4))
    _expect_value_error(lambda: m.dense_forward(x3, W, b.reshape(3, 1)),
                        "b of shape (3, 1) (it must be (D_out,) = (3,))")
    _expect_value_error(lambda: m.dense_forward(x, W, rng.standard_normal(4)),
                        "b of shape (4,) with W (3, 4) (b needs D_out = 3 entries)")


@pytest.mark.exercise("01.3")
@pytest.mark.points(1)
def test_sigmoid_values(m):
    rng = np.random.default_rng(104)
    x = 6 * rng.standard_normal((5, 8))
    x_before = x.copy()
    s = m.sigmoid(x)
    np.testing.assert_array_equal(
        x, x_before, err_msg="sigmoid overwrote its input x: write the result to a new array"
    )
    assert np.shape(s) == x.shape, f"sigmoid returned shape {np.shape(s)}; expected {x.shape}"
    assert np.asarray(s).dtype == np.float64, (
        f"sigmoid returned dtype {np.asarray(s).dtype}; the docstring promises float64"
    )
    np.testing.assert_allclose(
        s,
        1 / (1 + np.exp(-x)),  # |x| < 40 here: the plain formula is accurate
        rtol=1e-12,
        atol=1e-15,
        err_msg="sigmoid(x) must be 1 / (1 + exp(-x)) elementwise, in float64",
    )
    np.testing.assert_allclose(
        m.sigmoid(-x), 1 - s, atol=1e-12, err_msg="sigmoid(-x) must equal 1 - sigmoid(x)"
    )
    ints = m.sigmoid(np.array([-2, 0, 3]))
    np.testing.assert_allclose(
        ints,
        1 / (1 + np.exp(-np.array([-2.0, 0.0, 3.0]))),
        rtol=1e-12,
        err_msg="sigmoid of an integer array must return floats: an output array made with "
        "np.zeros_like(x) or np.empty_like(x) keeps x's integer dtype",
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
                f"your sigmoid overflows for large |x| ({err}): exp(-x) for x = -1000 is inf. "
                "Note that np.where(x >= 0, f(x), g(x)) computes BOTH f and g on every x, so "
                "a two-branch np.where still overflows: give exp only non-positive numbers, "
                "e = np.exp(-np.abs(x)), or select the entries with boolean masks"
            )
    assert np.all(np.isfinite(s)), f"sigmoid gave non-finite values {s}"
    np.testing.assert_allclose(
        s[[0, 1, 3, 5, 6]], [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-15,
        err_msg="sigmoid(-1e4, -1000, 0, 1000, 1e4) must be (0, 0, 0.5, 1, 1)",
    )
    tail = -np.linspace(30.0, 700.0, 12)
    got = m.sigmoid(tail)
    expected = np.exp(tail) / (1 + np.exp(tail))  # exp of a negative number: no overflow
    if np.any(got == 0):
        pytest.fail(
            f"sigmoid({tail[np.argmax(got == 0)]:.0f}) returned exactly 0; it is tiny but "
            "positive. A form like 1 - something or (1 + tanh(x/2)) / 2 rounds it away: "
            "use exp(x) / (1 + exp(x)) for x < 0"
        )
    np.testing.assert_allclose(
        got, expected, rtol=1e-10,
        err_msg="sigmoid(x) for x in [-700, -30] must be accurate to a relative 1e-10 "
        "(about exp(x)): use exp(x) / (1 + exp(x)) for x < 0",
    )


@pytest.mark.exercise("01.4")
@pytest.mark.points(1)
def test_smooth_activation_grads(m_alone):
    m = m_alone
    rng = np.random.default_rng(105)
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
def test_relu_grad_and_unknown_name(m_alone):
    m = m_alone
    rng = np.random.default_rng(106)
    z = rng.standard_normal(40)
    z[:3] = [0.0, -0.0, 1e-12]
    got = np.asarray(m.activation_grad("relu", z))
    if np.array_equal(got, np.maximum(z, 0)):
        pytest.fail("activation_grad('relu', z) returned relu(z) itself; want its derivative")
    if np.array_equal(got, (z >= 0).astype(float)):
        pytest.fail("relu'(0) must be 0 (the docstring's convention): use z > 0, not z >= 0")
    np.testing.assert_array_equal(
        got,
        (z > 0).astype(float),
        err_msg="relu'(z) is 1 where z > 0 and 0 elsewhere (0 at z = 0 by convention)",
    )
    try:
        m.activation_grad("swish", z)
    except ValueError:
        pass
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 (the learner's code may raise anything)
        pytest.fail(
            f"an unknown activation name must raise ValueError; got {type(err).__name__}: "
            f"{err} (a dict lookup raises KeyError: check the name first)"
        )
    else:
        pytest.fail("activation_grad('swish', z) must raise ValueError (unknown activation)")


def _reference_mlp(x, layers, activation):
    act = {
        "relu": lambda t: np.maximum(t, 0.0),
        "tanh": np.tanh,
        "sigmoid": lambda t: 1 / (1 + np.exp(-t)),
    }[activation]
    h = x
    for k, (W, b) in enumerate(layers):
        h = h @ W.T + b
        if k < len(layers) - 1:
            h = act(h)
    return h


@pytest.mark.exercise("01.5")
@pytest.mark.points(1)
@pytest.mark.parametrize("sizes", [[5, 7, 6, 2], [5, 2]], ids=["3 layers", "1 layer"])
def test_mlp_forward(m_alone, sizes):
    m = m_alone
    rng = np.random.default_rng(107)
    layers = [
        (rng.standard_normal((d_out, d_in)), rng.standard_normal(d_out))
        for d_in, d_out in zip(sizes[:-1], sizes[1:])
    ]
    x = rng.standard_normal((4, sizes[0]))
    for activation in ("relu", "tanh", "sigmoid"):
        try:
            got = m.mlp_forward(x, layers, activation)
        except ValueError as err:
            pytest.fail(
                f"mlp_forward with layer sizes {sizes} raised ValueError ({err}): feed every "
                "layer in `layers` the previous layer's output, starting from x"
            )
        expected = _reference_mlp(x, layers, activation)
        assert np.shape(got) == (4, 2), f"mlp_forward returned {np.shape(got)}; expected (4, 2)"
        if not np.allclose(got, expected) and np.allclose(
            got, _reference_mlp(x, layers + [(np.eye(2), np.zeros(2))], activation)
        ):
            pytest.fail(
                f"with activation={activation!r} your output went through the activation after "
                f"the last layer ({len(layers)} layer(s)): the last layer must be linear"
            )
        relu_result = _reference_mlp(x, layers, "relu")
        if activation != "relu" and len(layers) > 1 and np.allclose(got, relu_result):
            pytest.fail(
                f"activation={activation!r} gave relu's result: use ACTIVATIONS[activation]"
            )
        np.testing.assert_allclose(
            got,
            expected,
            rtol=1e-10,
            atol=1e-12,
            err_msg=f"activation={activation!r}, {len(layers)} layer(s): expected dense -> "
            "activation for each layer, the last layer linear",
        )
