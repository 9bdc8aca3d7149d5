"""Graded tests for lesson 07: init scales, Linear, MLP, parameter counting."""

import math

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn
from tinymoe.nn import functional as F


@pytest.fixture
def m(load_exercise):
    return load_exercise("07_modules_and_init")


def _bare(cls, **attributes):
    """An instance of the learner's `cls` built WITHOUT its __init__ (exercise 07.3), so
    that forward is graded on its own."""
    module = cls.__new__(cls)
    nn.Module.__init__(module)
    for name, value in attributes.items():
        if name == "bias" and value is None:
            module.register_parameter("bias", None)
        else:
            setattr(module, name, value)
    return module


def _param(rng, *shape):
    return nn.Parameter(rng.standard_normal(shape))


def _relu_stack_second_moments(std_fn, widths, rng, batch=400):
    """E[h^2] after each ReLU layer of a plain NumPy network initialised with std_fn."""
    h = rng.standard_normal((batch, widths[0]))
    moments = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        W = rng.normal(0.0, std_fn(fan_in, fan_out), (fan_out, fan_in))
        h = np.maximum(h @ W.T, 0.0)
        moments.append(np.mean(h**2))
    return np.array(moments)


FANS = [(100, 300), (784, 256), (7, 7), (1, 1000), (256, 1024), (1024, 256)]

# Formulas learners confuse with the right one, for naming the mistake in the message.
STD_SUSPECTS = {
    "the variance 2 / (fan_in + fan_out) (take the square root)":
        lambda i, o: 2 / (i + o),
    "sqrt(6 / (fan_in + fan_out)), the bound of the UNIFORM Xavier variant":
        lambda i, o: math.sqrt(6 / (i + o)),
    "sqrt(1 / (fan_in + fan_out)) (the factor 2 is missing)":
        lambda i, o: math.sqrt(1 / (i + o)),
    "sqrt(2 / max(fan_in, fan_out)), seed 004's formula (docs/sources.md#seed-004)":
        lambda i, o: math.sqrt(2 / max(i, o)),
    "sqrt(2 / fan_in), He's formula": lambda i, o: math.sqrt(2 / i),
    "sqrt(1 / fan_in), LeCun's formula (no ReLU factor 2)": lambda i, o: math.sqrt(1 / i),
    "sqrt(2 / fan_out) (the fans swapped)": lambda i, o: math.sqrt(2 / o),
    "the variance 2 / fan_in (take the square root)": lambda i, o: 2 / i,
    "sqrt(2 / (fan_in + fan_out)), Xavier's formula": lambda i, o: math.sqrt(2 / (i + o)),
}


def _check_std(fn, want, name):
    """Compare fn(fan_in, fan_out) with want(...) on FANS; name a known wrong formula."""
    got = [fn(i, o) for i, o in FANS]
    expected = [want(i, o) for i, o in FANS]
    if np.allclose(got, expected, rtol=1e-12, atol=0):
        return
    for mistake, formula in STD_SUSPECTS.items():
        if np.allclose(got, [formula(i, o) for i, o in FANS], rtol=1e-9, atol=0):
            pytest.fail(f"{name} returns {mistake}")
    k = int(np.argmax(~np.isclose(got, expected, rtol=1e-12, atol=0)))
    pytest.fail(f"{name}{FANS[k]} = {got[k]}; expected {expected[k]}")


@pytest.mark.exercise("07.1")
@pytest.mark.points(1)
def test_xavier_std(m):
    _check_std(m.xavier_std, lambda i, o: math.sqrt(2 / (i + o)), "xavier_std")
    for fan_in, fan_out in FANS:
        s = m.xavier_std(fan_in, fan_out)
        assert isinstance(s, float), f"xavier_std returned {type(s).__name__}; expected a float"
        # Glorot's compromise: the mean of the forward (fan_in) and backward (fan_out) gains is 1
        assert math.isclose((fan_in + fan_out) / 2 * s**2, 1.0, rel_tol=1e-12), (
            f"xavier_std({fan_in}, {fan_out}) = {s}: (fan_in + fan_out) / 2 * std^2 must be 1"
        )
        assert math.isclose(m.xavier_std(fan_out, fan_in), s), "Xavier is symmetric in the fans"


@pytest.mark.exercise("07.2")
@pytest.mark.points(2)
def test_he_std_uses_fan_in_only(m):
    _check_std(m.he_std, lambda i, o: math.sqrt(2 / i), "he_std")
    for fan_in, fan_out in FANS:
        s = m.he_std(fan_in, fan_out)
        assert isinstance(s, float), f"he_std returned {type(s).__name__}; expected a float"


@pytest.mark.exercise("07.2")
@pytest.mark.points(1)
def test_he_keeps_relu_signal_through_20_layers(m, rng):
    widths = [64] + [64, 256] * 10  # expanding and shrinking layers alternate
    moments = _relu_stack_second_moments(m.he_std, widths, rng)
    start = np.mean(rng.standard_normal((400, 64)) ** 2)  # about 1
    assert 0.2 < moments[-1] / start < 5, (
        f"after 20 ReLU layers E[h^2] went from ~{start:.2f} to {moments[-1]:.3g}: He "
        "initialisation should keep it roughly constant (Var(W) = 2/fan_in)"
    )


def _scheme_problem(m, scheme, fan_in, fan_out):
    """Why Linear(init=scheme) cannot be graded yet: the learner's xavier_std (07.1) or
    he_std (07.2) is missing or wrong; None when it is right."""
    fn, ex, want = {"xavier": (m.xavier_std, "07.1", math.sqrt(2 / (fan_in + fan_out))),
                    "he": (m.he_std, "07.2", math.sqrt(2 / fan_in))}[scheme]
    try:
        got = fn(fan_in, fan_out)
    except NotImplementedError:
        return f"{fn.__name__} (exercise {ex}), which is not done yet"
    if not math.isclose(got, want, rel_tol=1e-9):
        return f"{fn.__name__} (exercise {ex}), which returns {got:.4g}, not {want:.4g}"
    return None


@pytest.mark.exercise("07.3")
@pytest.mark.points(2)
def test_linear_registers_weight_and_bias(m):
    tm.manual_seed(703)
    lin = m.Linear(30, 20, init=0.1)  # a numeric std: graded apart from 07.1 and 07.2
    params = dict(lin.named_parameters())
    assert set(params) == {"weight", "bias"}, (
        f"named_parameters() gave {sorted(params)}; expected ['bias', 'weight']: assign "
        "Parameters to self.weight / self.bias AFTER super().__init__()"
    )
    w, b = params["weight"], params["bias"]
    assert w.shape != (30, 20), "weight is (in, out) = (30, 20); use PyTorch's (out, in) = (20, 30)"
    assert w.shape == (20, 30), f"weight has shape {w.shape}; expected (out, in) = (20, 30)"
    assert b.shape == (20,), f"bias has shape {b.shape}; expected (out_features,) = (20,)"
    assert isinstance(w, nn.Parameter) and w.requires_grad, "weight must be a Parameter"
    assert isinstance(b, nn.Parameter), "bias must be a Parameter"
    assert w.dtype == np.float32 and b.dtype == np.float32, (
        f"default dtype is float32; got weight {w.dtype}, bias {b.dtype}"
    )
    if np.any(b.data != 0) and abs(float(np.std(b.data)) / 0.1 - 1) < 0.5:
        pytest.fail("the bias was drawn at random like the weights: biases start at zero")
    np.testing.assert_array_equal(b.data, 0.0, err_msg="the bias starts at zero")
    assert (lin.in_features, lin.out_features) == (30, 20), (
        "store self.in_features and self.out_features"
    )
    wide = m.Linear(3, 5, init=0.1, dtype=np.float64)
    assert wide.weight.dtype == np.float64 and wide.bias.dtype == np.float64, (
        f"Linear(..., dtype=np.float64) gave weight {wide.weight.dtype}, bias {wide.bias.dtype}: "
        "create both Parameters with the dtype passed in"
    )
    no_bias = m.Linear(30, 20, bias=False, init=0.1)
    assert no_bias.bias is None, "with bias=False, self.bias must be None"
    assert [n for n, _ in no_bias.named_parameters()] == ["weight"], (
        "with bias=False only 'weight' is a parameter"
    )


@pytest.mark.exercise("07.3")
@pytest.mark.points(2)
def test_linear_init_scale_and_reproducibility(m):
    fan_in, fan_out = 400, 300
    tm.manual_seed(7)
    first = m.Linear(5, 4, init=0.5).weight.data.copy()
    second = m.Linear(5, 4, init=0.5).weight.data.copy()
    tm.manual_seed(7)
    again = m.Linear(5, 4, init=0.5).weight.data
    np.testing.assert_array_equal(first, again, err_msg="the same tm.manual_seed must give the "
                                  "same weights: draw from tinymoe.rng.generator()")
    assert not np.array_equal(first, second), (
        "two layers built one after the other got identical weights: draw from the shared "
        "tinymoe.rng.generator(), not a generator of your own with a fixed seed"
    )
    tm.manual_seed(8)
    assert not np.array_equal(first, m.Linear(5, 4, init=0.5).weight.data), (
        "tm.manual_seed(8) gave the same weights as tm.manual_seed(7): draw from "
        "tinymoe.rng.generator(), which tm.manual_seed reseeds"
    )
    tm.manual_seed(0)
    for scheme, want in [(0.05, 0.05), ("he", math.sqrt(2 / fan_in)),
                         ("xavier", math.sqrt(2 / (fan_in + fan_out)))]:
        if isinstance(scheme, str):
            problem = _scheme_problem(m, scheme, fan_in, fan_out)
            if problem:
                pytest.fail(f"Linear(init={scheme!r}) draws its std from {problem}: fix that "
                            "exercise first (your Linear passed with a numeric std)")
        w = m.Linear(fan_in, fan_out, init=scheme).weight.data
        # 120,000 draws: the sample std is within ~0.5% of the true one
        ratio = float(w.std()) / want
        if abs(ratio * math.sqrt(3) - 1) < 0.03:
            pytest.fail(f"init={scheme!r}: the weights look uniform on (-std, std), whose std "
                        "is std / sqrt(3): draw from the normal N(0, std^2)")
        assert abs(ratio - 1) < 0.03, (
            f"init={scheme!r}: weight std is {w.std():.4f}; expected {want:.4f}. "
            "Draw from N(0, std^2) with std = init_std(init, in_features, out_features)"
        )
        assert abs(w.mean()) < 4 * want / math.sqrt(w.size), f"init={scheme!r}: mean is not ~0"


def _linear_case(m, rng, bias):
    """The learner's Linear (4 -> 3) built without its __init__, x (2, 5, 4), upstream g."""
    lin = _bare(m.Linear, in_features=4, out_features=3, weight=_param(rng, 3, 4),
                bias=_param(rng, 3) if bias else None)
    x = tm.tensor(rng.standard_normal((2, 5, 4)), requires_grad=True, dtype=tm.float64)
    return lin, x, rng.standard_normal((2, 5, 3))


@pytest.mark.exercise("07.4")
@pytest.mark.points(2)
def test_linear_forward_and_grads(m):
    rng = np.random.default_rng(704)
    for bias in (True, False):
        lin, x, g = _linear_case(m, rng, bias)
        W = lin.weight.data
        b = lin.bias.data if bias else np.zeros(3)
        try:
            y = lin(x)
        except TypeError as err:
            if bias:
                raise
            pytest.fail(f"a Linear built with bias=False raised TypeError ({err}): self.bias is "
                        "None then; add the bias only when there is one")
        assert isinstance(y, tm.Tensor), (
            f"forward returned {type(y).__name__}; expected a tinymoe Tensor"
        )
        assert y.shape == (2, 5, 3), (
            f"bias={bias}: output shape {y.shape} for x (2, 5, 4); expected (*, out) = "
            "(2, 5, 3): keep the leading axes (x @ weight.T works on any number of them)"
        )
        np.testing.assert_allclose(y.data, x.data @ W.T + b, rtol=1e-10, atol=1e-12,
                                   err_msg=f"bias={bias}: y must be x @ weight.T + bias")
        assert y.requires_grad, (
            "forward returned a Tensor with no graph (requires_grad is False): build y from "
            "tinymoe Tensor ops (x @ self.weight.T + self.bias), not from NumPy on .data"
        )
        y.backward(g)  # an upstream gradient other than ones
        assert lin.weight.grad is not None and x.grad is not None, (
            "no gradient reached weight or x: build y from tinymoe Tensor ops (x @ self.weight.T"
            " + self.bias), not from NumPy arrays (.data)"
        )
        g2, x2 = g.reshape(-1, 3), x.data.reshape(-1, 4)
        np.testing.assert_allclose(lin.weight.grad, g2.T @ x2, rtol=1e-10, atol=1e-12,
                                   err_msg="weight.grad must be sum over rows of g^T x")
        np.testing.assert_allclose(x.grad, g @ W, rtol=1e-10, atol=1e-12,
                                   err_msg="x.grad must be g @ weight")
        if bias:
            assert lin.bias.grad is not None, (
                "no gradient reached bias: add the Parameter self.bias, not self.bias.data"
            )
            np.testing.assert_allclose(lin.bias.grad, g2.sum(axis=0), rtol=1e-10, atol=1e-12,
                                       err_msg="bias.grad must sum grad over all leading axes")


@pytest.mark.exercise("07.4")
@pytest.mark.points(1)
def test_linear_square_layer_uses_transpose(m):
    rng = np.random.default_rng(705)
    lin = _bare(m.Linear, in_features=3, out_features=3, weight=_param(rng, 3, 3),
                bias=_param(rng, 3))
    x = tm.tensor(rng.standard_normal((4, 3)), dtype=tm.float64)
    y = lin(x).data
    W, b = lin.weight.data, lin.bias.data
    if np.allclose(y, x.data @ W + b):
        pytest.fail("a square layer computed x @ weight (no transpose): y = x @ weight.T + b, "
                    "weight being (out, in)")
    np.testing.assert_allclose(y, x.data @ W.T + b, rtol=1e-10, atol=1e-12,
                               err_msg="y must be x @ weight.T + bias (square layer 3 -> 3)")


def _engine_mlp(m, rng, activation, sizes):
    """The learner's MLP forward on the engine's Linear layers, weights drawn from rng, so
    that 07.5 is graded apart from your Linear and from the global seed."""
    layers = nn.ModuleList(nn.Linear(i, o, dtype=np.float64) for i, o in zip(sizes, sizes[1:]))
    for layer in layers:
        scale = 1 / np.sqrt(layer.in_features)
        layer.weight.data[...] = rng.standard_normal(layer.weight.shape) * scale
        layer.bias.data[...] = rng.standard_normal(layer.bias.shape) * 0.1
    return _bare(m.MLP, activation=activation, layers=layers)


@pytest.mark.exercise("07.5")
@pytest.mark.points(2)
def test_mlp_forward_matches_engine(m):
    rng = np.random.default_rng(706)
    for activation, act in [("tanh", F.tanh), ("relu", F.relu)]:
        mlp = _engine_mlp(m, rng, activation, [6, 8, 5, 3])
        x = tm.tensor(rng.standard_normal((7, 6)), dtype=tm.float64)
        out, hidden = mlp(x, return_hidden=True)
        h, want_hidden, pre = x, [], []
        for k, layer in enumerate(mlp.layers):
            h = F.linear(h, layer.weight, layer.bias)
            if k < len(mlp.layers) - 1:
                pre.append(h)
                h = act(h)
                want_hidden.append(h)
        assert out.shape == (7, 3), f"output shape {out.shape}; expected (7, 3)"
        if activation != "relu":
            r = x
            for k, layer in enumerate(mlp.layers):
                r = F.linear(r, layer.weight, layer.bias)
                r = F.relu(r) if k < len(mlp.layers) - 1 else r
            if np.allclose(out.data, r.data):
                pytest.fail(f"an MLP built with activation={activation!r} applied ReLU: use "
                            "the activation named by self.activation (ACTIVATIONS[...])")
        if np.allclose(out.data, act(tm.tensor(h.data)).data) and not np.allclose(
                out.data, h.data):
            pytest.fail("the output went through the activation: the last layer must be linear")
        np.testing.assert_allclose(out.data, h.data, rtol=1e-10, atol=1e-12,
                                   err_msg=f"{activation} MLP output differs from "
                                   "Linear -> act -> Linear -> act -> Linear")
        if len(hidden) == 3 and np.allclose(hidden[0].data, x.data):
            pytest.fail("hidden starts with the input x: return only the activations after "
                        "each hidden layer (len(sizes) - 2 of them)")
        assert len(hidden) == 2, f"{len(hidden)} hidden activations; expected 2 for [6, 8, 5, 3]"
        for k, (got, want) in enumerate(zip(hidden, want_hidden)):
            if np.allclose(got.data, pre[k].data) and not np.allclose(got.data, want.data):
                pytest.fail(f"hidden[{k}] is the layer's output BEFORE the activation: collect "
                            "the activation's output")
            np.testing.assert_allclose(got.data, want.data, rtol=1e-10, atol=1e-12,
                                       err_msg=f"hidden[{k}] must be the activation's output")
        plain = mlp(x)
        assert isinstance(plain, tm.Tensor), (
            "without return_hidden, return only the output Tensor (not a tuple)"
        )
        np.testing.assert_allclose(plain.data, out.data,
                                   err_msg="without return_hidden, return only the output")


@pytest.mark.exercise("07.5")
@pytest.mark.points(1)
def test_mlp_backward_reaches_every_layer(m):
    rng = np.random.default_rng(707)
    mlp = _engine_mlp(m, rng, "tanh", [5, 6, 6, 2])
    x = tm.tensor(rng.standard_normal((4, 5)), dtype=tm.float64)
    g = rng.standard_normal((4, 2))
    mlp(x).backward(g)
    h, acts = x.data, []
    for layer in mlp.layers:  # the same network in NumPy, backpropagated by hand
        acts.append(h)
        h = h @ layer.weight.data.T + layer.bias.data
        if layer is not mlp.layers[-1]:
            h = np.tanh(h)
    delta = g
    for k in range(len(mlp.layers) - 1, -1, -1):
        layer = mlp.layers[k]
        assert layer.weight.grad is not None, (
            f"layers.{k}.weight got no gradient: build the forward from Tensor ops only "
            "(F.tanh / F.relu on Tensors, not NumPy on .data)"
        )
        np.testing.assert_allclose(layer.weight.grad, delta.T @ acts[k], rtol=1e-9, atol=1e-12,
                                   err_msg=f"layers.{k}.weight.grad is wrong")
        delta = (delta @ layer.weight.data) * (1 - acts[k] ** 2) if k else None


@pytest.mark.exercise("07.6")
@pytest.mark.points(1)
def test_num_parameters(m):
    sizes = [13, 9, 4]
    tm.manual_seed(708)
    model = nn.MLP(sizes)  # the engine's MLP, so this exercise stands alone
    want = sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))
    got = m.num_parameters(model)
    if got == len(list(model.parameters())):
        pytest.fail(f"num_parameters gave {got}, the number of parameter TENSORS: add up their "
                    "sizes (p.numel()), the number of scalars")
    assert got == want, f"num_parameters gave {got}; expected {want} (weights + biases)"
    assert isinstance(got, int | np.integer), (
        f"num_parameters returned {type(got).__name__}; a count is an int"
    )
    tied = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    tied[1].weight = tied[0].weight  # weight tying: one parameter used twice
    assert m.num_parameters(tied) == 16 + 4 + 4, (
        "a shared parameter counts once: sum over module.parameters(), which lists it once"
    )
