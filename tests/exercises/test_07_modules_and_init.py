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


@pytest.mark.exercise("07.1")
@pytest.mark.points(1)
def test_xavier_std(m):
    for fan_in, fan_out in [(100, 300), (784, 256), (7, 7), (1, 1000)]:
        s = m.xavier_std(fan_in, fan_out)
        want = math.sqrt(2.0 / (fan_in + fan_out))
        if math.isclose(s, want**2):
            pytest.fail("xavier_std returned the variance 2/(fan_in+fan_out): take the sqrt")
        if math.isclose(s, math.sqrt(6.0 / (fan_in + fan_out))):
            pytest.fail("sqrt(6/(fan_in+fan_out)) is the bound of the UNIFORM Xavier variant; "
                        "the normal variant's std is sqrt(2/(fan_in+fan_out))")
        # Glorot's compromise: the mean of the forward (fan_in) and backward (fan_out) gains is 1
        np.testing.assert_allclose(
            (fan_in + fan_out) / 2 * s**2, 1.0, rtol=1e-12,
            err_msg=f"xavier_std({fan_in}, {fan_out}) = {s}; expected {want}",
        )
        assert math.isclose(m.xavier_std(fan_out, fan_in), s), "Xavier is symmetric in the fans"


@pytest.mark.exercise("07.2")
@pytest.mark.points(2)
def test_he_std_uses_fan_in_only(m):
    assert math.isclose(m.he_std(512, 512), math.sqrt(2 / 512)), "he_std(512, 512) != sqrt(2/512)"
    expanding = m.he_std(256, 1024)
    if math.isclose(expanding, math.sqrt(2 / 1024)):
        pytest.fail("he_std(256, 1024) = sqrt(2/1024): that is seed 004's 2/max(fan_in, "
                    "fan_out), or fan_out; He is Var = 2/fan_in")
    assert math.isclose(expanding, math.sqrt(2 / 256)), (
        f"he_std(256, 1024) = {expanding}; expected sqrt(2/256) = {math.sqrt(2 / 256)}"
    )
    shrinking = m.he_std(1024, 256)
    if math.isclose(shrinking, math.sqrt(2 / 256)):
        pytest.fail("he_std(1024, 256) = sqrt(2/256): that uses fan_out (Kaiming's "
                    "'fan_out' mode); each output sums over fan_in inputs, so use fan_in")
    assert math.isclose(shrinking, math.sqrt(2 / 1024)), (
        f"he_std(1024, 256) = {shrinking}; expected sqrt(2/1024)"
    )


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


@pytest.mark.exercise("07.3")
@pytest.mark.points(2)
def test_linear_registers_weight_and_bias(m):
    lin = m.Linear(30, 20)
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
    assert w.dtype == np.float32 and b.dtype == np.float32, "default dtype is float32"
    np.testing.assert_array_equal(b.data, 0.0, err_msg="the bias starts at zero")
    assert (lin.in_features, lin.out_features) == (30, 20)
    no_bias = m.Linear(30, 20, bias=False)
    assert no_bias.bias is None, "with bias=False, self.bias must be None"
    assert [n for n, _ in no_bias.named_parameters()] == ["weight"], (
        "with bias=False only 'weight' is a parameter"
    )


@pytest.mark.exercise("07.3")
@pytest.mark.points(2)
def test_linear_init_scale_and_reproducibility(m):
    fan_in, fan_out = 400, 300
    for scheme, want in [("he", math.sqrt(2 / fan_in)),
                         ("xavier", math.sqrt(2 / (fan_in + fan_out))), (0.05, 0.05)]:
        w = m.Linear(fan_in, fan_out, init=scheme).weight.data
        # 120,000 draws: the sample std is within ~0.5% of the true one
        assert abs(w.std() / want - 1) < 0.03, (
            f"init={scheme!r}: weight std is {w.std():.4f}; expected {want:.4f}. "
            "Draw from N(0, std^2) with std = init_std(init, in_features, out_features)"
        )
        assert abs(w.mean()) < 4 * want / math.sqrt(w.size), f"init={scheme!r}: mean is not ~0"
    tm.manual_seed(7)
    first = m.Linear(5, 4).weight.data.copy()
    tm.manual_seed(7)
    again = m.Linear(5, 4).weight.data
    np.testing.assert_array_equal(first, again, err_msg="the same tm.manual_seed must give the "
                                  "same weights: draw from tinymoe.rng.generator()")


@pytest.mark.exercise("07.4")
@pytest.mark.points(2)
def test_linear_forward_and_grads_match_torch(m, rng, torch):
    for bias in (True, False):
        lin = _bare(m.Linear, in_features=4, out_features=3, weight=_param(rng, 3, 4),
                    bias=_param(rng, 3) if bias else None)
        x = tm.tensor(rng.standard_normal((2, 5, 4)), requires_grad=True, dtype=tm.float64)
        y = lin(x)
        assert y.shape == (2, 5, 3), f"output shape {y.shape}; expected (*, out) = (2, 5, 3)"
        tw = torch.tensor(lin.weight.data, requires_grad=True)
        tb = torch.tensor(lin.bias.data, requires_grad=True) if bias else None
        tx = torch.tensor(x.data, requires_grad=True)
        ty = torch.nn.functional.linear(tx, tw, tb)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"bias={bias}: y must be x @ weight.T + bias")
        g = rng.standard_normal(y.shape)
        y.backward(g)
        ty.backward(torch.from_numpy(g))
        assert lin.weight.grad is not None, "no gradient reached weight: use tinymoe Tensor ops"
        np.testing.assert_allclose(lin.weight.grad, tw.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg="weight.grad differs from torch's")
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
        if bias:
            np.testing.assert_allclose(lin.bias.grad, tb.grad.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg="bias.grad must sum grad over all leading axes")


@pytest.mark.exercise("07.5")
@pytest.mark.points(2)
def test_mlp_forward_matches_engine(m, rng):
    for activation, act in [("tanh", F.tanh), ("relu", F.relu)]:
        # the engine's Linear layers, so that 07.5 is graded apart from your Linear
        mlp = _bare(m.MLP, activation=activation, layers=nn.ModuleList(
            nn.Linear(i, o, dtype=np.float64) for i, o in [(6, 8), (8, 5), (5, 3)]))
        x = tm.tensor(rng.standard_normal((7, 6)), dtype=tm.float64)
        out, hidden = mlp(x, return_hidden=True)
        h, want_hidden = x, []
        for k, layer in enumerate(mlp.layers):
            h = F.linear(h, layer.weight, layer.bias)
            if k < len(mlp.layers) - 1:
                h = act(h)
                want_hidden.append(h)
        assert out.shape == (7, 3), f"output shape {out.shape}; expected (7, 3)"
        if np.allclose(out.data, act(tm.tensor(h.data)).data):
            pytest.fail("the output went through the activation: the last layer must be linear")
        np.testing.assert_allclose(out.data, h.data, rtol=1e-10, atol=1e-12,
                                   err_msg=f"{activation} MLP output differs from "
                                   "Linear -> act -> Linear -> act -> Linear")
        assert len(hidden) == 2, f"{len(hidden)} hidden activations; expected 2 for [6, 8, 5, 3]"
        for k, (got, want) in enumerate(zip(hidden, want_hidden)):
            np.testing.assert_allclose(got.data, want.data, rtol=1e-10, atol=1e-12,
                                       err_msg=f"hidden[{k}] must be the activation's output")
        plain = mlp(x)
        np.testing.assert_allclose(plain.data, out.data,
                                   err_msg="without return_hidden, return only the output")


@pytest.mark.exercise("07.5")
@pytest.mark.points(1)
def test_mlp_backward_reaches_every_layer(m, rng):
    mlp = _bare(m.MLP, activation="tanh", layers=nn.ModuleList(
        nn.Linear(i, o, dtype=np.float64) for i, o in [(5, 6), (6, 6), (6, 2)]))
    x = tm.tensor(rng.standard_normal((4, 5)), dtype=tm.float64)
    mlp(x).sum().backward()
    for name, p in mlp.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, (
            f"{name} got no gradient of its shape: build the forward from Tensor ops only"
        )
        assert np.any(p.grad != 0), f"{name}.grad is all zeros"


@pytest.mark.exercise("07.6")
@pytest.mark.points(1)
def test_num_parameters(m):
    sizes = [13, 9, 4]
    model = nn.MLP(sizes)  # the engine's MLP, so this exercise stands alone
    want = sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))
    got = m.num_parameters(model)
    assert got == want, f"num_parameters gave {got}; expected {want} (weights + biases)"
    tied = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    tied[1].weight = tied[0].weight  # weight tying: one parameter used twice
    assert m.num_parameters(tied) == 16 + 4 + 4, (
        "a shared parameter counts once: sum over module.parameters(), which lists it once"
    )
