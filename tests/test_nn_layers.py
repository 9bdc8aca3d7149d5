"""Layers against PyTorch: the same weights (loaded with ``load_torch_state_dict``) must
give the same outputs and the same input and parameter gradients (float64, rtol 1e-6);
plus finite-difference gradchecks, initialisation ranges, modes and error messages."""

import math

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn
from tinymoe.nn import load_torch_state_dict

RTOL, ATOL = 1e-6, 1e-9


def as_tuple(out):
    """Flatten ``output`` or ``(output, (h, c))`` into a tuple of tensors."""
    if isinstance(out, tuple):
        return tuple(t for item in out for t in as_tuple(item))
    return (out,)


def compare_with_torch(torch, ours, theirs, x, grad_input=True):
    """Load ``theirs``' weights into ``ours`` (float64) and compare forward values, the
    gradient of a random projection of every output, and every parameter gradient."""
    ours.double()
    load_torch_state_dict(ours, theirs.state_dict())
    tx = torch.tensor(x, requires_grad=grad_input)
    mx = tm.tensor(x, requires_grad=grad_input)
    t_outs, m_outs = as_tuple(theirs(tx)), as_tuple(ours(mx))
    assert len(t_outs) == len(m_outs)
    rng = np.random.default_rng(0)
    projections = [rng.standard_normal(tuple(t.shape)) for t in t_outs]
    t_loss = sum((t * torch.tensor(p)).sum() for t, p in zip(t_outs, projections))
    m_loss = sum((m * p).sum() for m, p in zip(m_outs, projections))
    t_loss.backward()
    m_loss.backward()
    for t, m in zip(t_outs, m_outs):
        assert m.shape == tuple(t.shape)
        np.testing.assert_allclose(m.data, t.detach().numpy(), rtol=RTOL, atol=ATOL)
    if grad_input:
        np.testing.assert_allclose(mx.grad, tx.grad.numpy(), rtol=RTOL, atol=ATOL)
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(
            param.grad, theirs_params[name].grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name
        )


def test_linear_matches_torch(torch, rng):
    compare_with_torch(
        torch, nn.Linear(5, 3), torch.nn.Linear(5, 3), rng.standard_normal((2, 4, 5))
    )
    compare_with_torch(
        torch,
        nn.Linear(5, 3, bias=False),
        torch.nn.Linear(5, 3, bias=False),
        rng.standard_normal((4, 5)),
    )


def test_mlp_matches_torch_sequential(torch, rng):
    ours = nn.MLP([6, 8, 8, 3], activation="tanh", final_activation="softmax", dropout=0.5)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(6, 8),
        torch.nn.Tanh(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(8, 8),
        torch.nn.Tanh(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(8, 3),
        torch.nn.Softmax(dim=-1),
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    compare_with_torch(torch, ours.eval(), theirs.eval(), rng.standard_normal((4, 6)))


@pytest.mark.parametrize(
    "name", ["ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "LeakyReLU", "Softmax"]
)
def test_activation_modules_match_torch(torch, rng, name):
    make = {
        "Softmax": lambda lib: lib.Softmax(dim=-1),
        "LeakyReLU": lambda lib: lib.LeakyReLU(0.1),
    }.get(name, lambda lib: getattr(lib, name)())
    compare_with_torch(torch, make(nn), make(torch.nn), rng.standard_normal((3, 5)))


def test_gelu_tanh_approximation_matches_torch(torch, rng):
    compare_with_torch(
        torch, nn.GELU("tanh"), torch.nn.GELU(approximate="tanh"), rng.standard_normal((3, 5))
    )


def test_mlp_accepts_module_class_and_rejects_unknown_names():
    mlp = nn.MLP([2, 4, 1], activation=nn.SiLU)
    assert [type(m).__name__ for m in mlp] == ["Linear", "SiLU", "Linear"]
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP([2, 4, 1], activation="swish")
    with pytest.raises(ValueError, match="at least an input and an output size"):
        nn.MLP([3])


def randomised(torch, module):
    """``module`` with its affine parameters moved off their 1/0 defaults, so the test
    sees them act."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p))
    return module


@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 6)])
def test_layernorm_matches_torch(torch, rng, shape):
    compare_with_torch(
        torch, nn.LayerNorm(6), randomised(torch, torch.nn.LayerNorm(6)), rng.standard_normal(shape)
    )


def test_layernorm_over_two_dims_and_without_affine(torch, rng):
    x = rng.standard_normal((2, 3, 4))
    compare_with_torch(
        torch, nn.LayerNorm((3, 4)), randomised(torch, torch.nn.LayerNorm((3, 4))), x
    )
    compare_with_torch(
        torch,
        nn.LayerNorm(4, elementwise_affine=False),
        torch.nn.LayerNorm(4, elementwise_affine=False),
        x,
    )


@pytest.mark.parametrize("eps", [None, 1e-6])
def test_rmsnorm_matches_torch(torch, rng, eps):
    x = rng.standard_normal((2, 3, 6)) * 1e-3  # small inputs make eps matter
    compare_with_torch(
        torch, nn.RMSNorm(6, eps=eps), randomised(torch, torch.nn.RMSNorm(6, eps=eps)), x
    )


def test_embedding_matches_torch_with_repeated_ids(torch):
    ours, theirs = nn.Embedding(7, 3), torch.nn.Embedding(7, 3)
    ids = np.array([[1, 3, 1], [6, 1, 0]])
    ours.double()
    load_torch_state_dict(ours, theirs.state_dict())
    out = ours(tm.tensor(ids))
    ref = theirs(torch.tensor(ids))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=RTOL)
    proj = np.random.default_rng(0).standard_normal(out.shape)
    (out * proj).sum().backward()
    (ref * torch.tensor(proj)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=RTOL)


def test_embedding_rejects_float_ids():
    with pytest.raises(tm.DTypeError, match="embedding: indices must be an integer"):
        nn.Embedding(5, 2)(tm.tensor([0.0, 1.0]))


@pytest.mark.parametrize("batch_first", [True, False])
def test_lstm_matches_torch(torch, rng, batch_first):
    ours = nn.LSTM(3, 4, batch_first=batch_first)
    theirs = torch.nn.LSTM(3, 4, batch_first=batch_first)
    compare_with_torch(torch, ours, theirs, rng.standard_normal((2, 5, 3)))


def test_lstm_with_initial_state_matches_torch(torch, rng):
    ours, theirs = (
        nn.LSTM(3, 4, bias=False).double(),
        torch.nn.LSTM(3, 4, bias=False, batch_first=True),
    )
    load_torch_state_dict(ours, theirs.state_dict())
    x, h0, c0 = (
        rng.standard_normal((2, 5, 3)),
        rng.standard_normal((1, 2, 4)),
        rng.standard_normal((1, 2, 4)),
    )
    out, (h, c) = ours(tm.tensor(x), (tm.tensor(h0), tm.tensor(c0)))
    ref, (rh, rc) = theirs(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    for a, b in ((out, ref), (h, rh), (c, rc)):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=RTOL, atol=ATOL)


def test_lstm_shape_errors():
    lstm = nn.LSTM(3, 4)
    with pytest.raises(
        tm.ShapeError, match=r"LSTM: expected input \(B, T, I\) with I=3, got \(2, 5, 2\)"
    ):
        lstm(tm.zeros(2, 5, 2))
    with pytest.raises(tm.ShapeError, match=r"h0 must be \(1, 2, 4\), got \(2, 4\)"):
        lstm(tm.zeros(2, 5, 3), (tm.zeros(2, 4), tm.zeros(2, 4)))


def f64(rng, *shape):
    return tm.tensor(rng.standard_normal(shape), dtype=tm.float64, requires_grad=True)


@pytest.mark.parametrize("make", [nn.LayerNorm, nn.RMSNorm])
def test_gradcheck_layernorm_and_rmsnorm(rng, make):
    layer = make(4).double()
    for p in layer.parameters():
        p.data[...] = rng.standard_normal(p.shape)
    assert tm.gradcheck(lambda x, *params: layer(x), [f64(rng, 3, 4), *layer.parameters()])


def test_gradcheck_lstm(rng):
    lstm = nn.LSTM(2, 3).double()
    out = lambda x, *params: tm.cat([t.reshape(-1) for t in as_tuple(lstm(x))])
    assert tm.gradcheck(out, [f64(rng, 2, 3, 2), *lstm.parameters()])


def test_norm_shape_error_names_both_shapes():
    with pytest.raises(
        tm.ShapeError,
        match=r"LayerNorm: input shape \(2, 5\) does not end in normalized_shape \(4,\)",
    ):
        nn.LayerNorm(4)(tm.zeros(2, 5))
    with pytest.raises(tm.ShapeError, match=r"RMSNorm: input shape \(3,\)"):
        nn.RMSNorm((2, 3))(tm.zeros(3))


def test_linear_default_init_is_torch_range():
    """kaiming_uniform(a=sqrt(5)) means U(-1/sqrt(in), 1/sqrt(in)), variance 1/(3 in)."""
    tm.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    assert layer.weight.shape == (300, 400) and layer.weight.dtype == np.float32
    assert np.abs(layer.weight.data).max() <= bound
    assert np.var(layer.weight.data) == pytest.approx(bound**2 / 3, rel=0.03)
    assert np.abs(layer.bias.data).max() <= bound and np.std(layer.bias.data) > 0.4 * bound


def test_lstm_and_embedding_default_init():
    tm.manual_seed(0)
    lstm = nn.LSTM(8, 100)
    assert all(np.abs(p.data).max() <= 0.1 for p in lstm.parameters())
    emb = nn.Embedding(1000, 64)
    assert np.var(emb.weight.data) == pytest.approx(1.0, rel=0.03)


def test_dropout_train_and_eval():
    tm.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = tm.ones(200, 100)
    y = drop(x).data
    assert np.mean(y == 0) == pytest.approx(0.25, abs=0.02)
    np.testing.assert_allclose(y[y != 0], 1 / 0.75, rtol=1e-6)
    drop.eval()
    np.testing.assert_array_equal(drop(x).data, x.data)
    with pytest.raises(ValueError, match="p must be in \\[0, 1\\], got 1.5"):
        nn.Dropout(1.5)


def test_dropout_follows_parent_mode():
    mlp = nn.MLP([4, 16, 2], dropout=0.5)
    x = tm.randn(8, 4)
    mlp.eval()
    np.testing.assert_array_equal(mlp(x).data, mlp(x).data)
    mlp.train()
    assert not np.array_equal(mlp(x).data, mlp(x).data)
