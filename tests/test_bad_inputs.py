"""Bad arguments get an error naming the function, the argument and the value.

One table: (case id, a call that must fail, the exception type, a phrase of the message).
Silent wrong answers (a NaN learning rate, a BCE target of 2) are the worst kind of bad
input, so every case here used to return something instead of raising.
"""

import math
import warnings

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn, optim
from tinymoe.nn import functional as F


def _param():
    return tm.tensor(np.ones(3), requires_grad=True)


def _grad_param():
    p = _param()
    p.grad = np.ones(3)
    return p


def _ones(shape, dtype):
    return tm.tensor(np.ones(shape, dtype=dtype))


def _moe(**options):
    return nn.MoE(8, 16, 4, **options)


CASES = [
    # optimisers: every hyperparameter, validated in one place per optimiser
    (
        "adam lr nan",
        lambda: optim.Adam([_param()], lr=math.nan),
        ValueError,
        "Adam: invalid learning rate nan",
    ),
    (
        "adam lr inf",
        lambda: optim.Adam([_param()], lr=math.inf),
        ValueError,
        "invalid learning rate inf",
    ),
    (
        "adam lr str",
        lambda: optim.Adam([_param()], lr="0.1"),
        TypeError,
        "Adam: learning rate must be a real number, got str '0.1'",
    ),
    (
        "adam lr negative",
        lambda: optim.Adam([_param()], lr=-1e-3),
        ValueError,
        "invalid learning rate",
    ),
    (
        "adam beta2 = 1",
        lambda: optim.Adam([_param()], betas=(0.9, 1.0)),
        ValueError,
        "invalid betas[1] 1.0",
    ),
    (
        "adam beta1 nan",
        lambda: optim.Adam([_param()], betas=(math.nan, 0.9)),
        ValueError,
        "invalid betas[0] nan",
    ),
    ("adam eps negative", lambda: optim.Adam([_param()], eps=-1e-8), ValueError, "invalid eps"),
    (
        "adamw weight decay nan",
        lambda: optim.AdamW([_param()], weight_decay=math.nan),
        ValueError,
        "AdamW: invalid weight_decay nan",
    ),
    (
        "sgd lr nan",
        lambda: optim.SGD([_param()], lr=math.nan),
        ValueError,
        "SGD: invalid learning rate",
    ),
    (
        "sgd momentum negative",
        lambda: optim.SGD([_param()], lr=0.1, momentum=-0.5),
        ValueError,
        "SGD: invalid momentum -0.5",
    ),
    (
        "sgd dampening nan",
        lambda: optim.SGD([_param()], lr=0.1, dampening=math.nan),
        ValueError,
        "SGD: invalid dampening",
    ),
    (
        "param group lr nan",
        lambda: optim.SGD([{"params": [_param()], "lr": math.nan}], lr=0.1),
        ValueError,
        "SGD: invalid learning rate nan",
    ),
    # gradient clipping
    (
        "clip max_norm negative",
        lambda: optim.clip_grad_norm_([_grad_param()], -1.0),
        ValueError,
        "clip_grad_norm_: max_norm must be a number >= 0",
    ),
    (
        "clip max_norm nan",
        lambda: optim.clip_grad_norm_([_grad_param()], math.nan),
        ValueError,
        "max_norm must be a number >= 0",
    ),
    # losses
    (
        "bce target 2",
        lambda: F.binary_cross_entropy(tm.tensor([0.5]), np.array([2.0])),
        ValueError,
        "binary_cross_entropy: target must hold values in [0, 1]",
    ),
    (
        "bce target nan",
        lambda: F.binary_cross_entropy(tm.tensor([0.5]), np.array([math.nan])),
        ValueError,
        "target must hold values in [0, 1]",
    ),
    # the random generator
    ("manual_seed -1", lambda: tm.manual_seed(-1), ValueError, "manual_seed: seed must be >= 0"),
    (
        "manual_seed 1.5",
        lambda: tm.manual_seed(1.5),
        TypeError,
        "manual_seed: seed must be an integer, got float 1.5",
    ),
    # MoE options (validated in MoEConfig when the layer is built)
    (
        "moe jitter 2",
        lambda: _moe(jitter=2),
        ValueError,
        "MoE: jitter must be finite and in [0, 1)",
    ),
    (
        "moe aux_loss_coef negative",
        lambda: _moe(aux_loss_coef=-0.01),
        ValueError,
        "MoE: aux_loss_coef must be finite and >= 0, got -0.01",
    ),
    (
        "moe expert choice capacity nan",
        lambda: _moe(router="expert_choice", capacity_factor=math.nan),
        ValueError,
        "MoE: capacity_factor must be finite and None or > 0, got nan",
    ),
    (
        "moe expert choice capacity inf",
        lambda: _moe(router="expert_choice", capacity_factor=math.inf),
        ValueError,
        "capacity_factor must be finite and None or > 0, got inf",
    ),
    (
        "moe top_k 1.5",
        lambda: _moe(top_k=1.5),
        TypeError,
        "MoE: top_k must be an integer, got float 1.5",
    ),
    (
        "moe n_shared -1",
        lambda: _moe(n_shared=-1),
        ValueError,
        "MoE: n_shared must be >= 0, got -1",
    ),
    ("moe d_model -8", lambda: nn.MoE(-8, 16, 4), ValueError, "MoE: d_model must be >= 1, got -8"),
    (
        "moe dense without experts",
        lambda: nn.MoE(8, 16, 0, router="dense"),
        ValueError,
        "MoE: n_experts must be >= 1, got 0",
    ),
    ("moe d_hidden -1", lambda: nn.MoE(8, -1, 4), ValueError, "MoE: d_hidden must be >= 0, got -1"),
    # layer sizes: one check (tinymoe.nn.sizes.check_size) in every layer taking sizes
    (
        "linear in -1",
        lambda: nn.Linear(-1, 3),
        ValueError,
        "Linear: in_features must be >= 0, got -1",
    ),
    (
        "linear in 2.5",
        lambda: nn.Linear(2.5, 3),
        TypeError,
        "Linear: in_features must be an integer, got float 2.5",
    ),
    (
        "linear out bool",
        lambda: nn.Linear(3, True),
        TypeError,
        "Linear: out_features must be an integer, got bool True",
    ),
    ("mlp hidden -4", lambda: nn.MLP([8, -4, 3]), ValueError, "MLP: sizes[1] must be >= 0, got -4"),
    (
        "embedding dim -2",
        lambda: nn.Embedding(10, -2),
        ValueError,
        "Embedding: embedding_dim must be >= 0, got -2",
    ),
    (
        "layernorm 2.5",
        lambda: nn.LayerNorm(2.5),
        TypeError,
        "LayerNorm: normalized_shape must be an integer, got float 2.5",
    ),
    (
        "rmsnorm shape -1",
        lambda: nn.RMSNorm((4, -1)),
        ValueError,
        "RMSNorm: normalized_shape[1] must be >= 0, got -1",
    ),
    (
        "lstm hidden -1",
        lambda: nn.LSTM(4, -1),
        ValueError,
        "LSTM: hidden_size must be >= 0, got -1",
    ),
    # layer inputs: a Tensor (PyTorch raises TypeError for a list too) of the layer's dtype
    (
        "linear on a list",
        lambda: nn.Linear(2, 3)([[1.0, 2.0]]),
        TypeError,
        "Linear(in_features=2, out_features=3, bias=True): input must be a Tensor, got list",
    ),
    ("layernorm on a list", lambda: nn.LayerNorm(2)([[1.0, 2.0]]), TypeError, "got list"),
    ("lstm on a list", lambda: nn.LSTM(2, 3)([[[1.0, 2.0]]]), TypeError, "got list"),
    ("moe on a list", lambda: nn.MoE(2, 4, 2)([[1.0, 2.0]]), TypeError, "got list"),
    (
        "linear on int64",
        lambda: nn.Linear(2, 3)(_ones((1, 2), np.int64)),
        tm.DTypeError,
        "input has a non-floating dtype int64 but the layer computes in float32",
    ),
    (
        "layernorm without weights on int64",
        lambda: nn.LayerNorm(2, elementwise_affine=False)(_ones((1, 2), np.int64)),
        tm.DTypeError,
        "non-floating dtype int64",
    ),
    # softmax family
    (
        "softmax on int64",
        lambda: F.softmax(_ones((2, 3), np.int64)),
        tm.DTypeError,
        "softmax: input must be a floating-point tensor, got dtype int64",
    ),
    (
        "log_softmax dim out of range",
        lambda: F.log_softmax(_ones((2, 3), np.float32), dim=2),
        tm.ShapeError,
        "log_softmax: dim 2 is out of range for a tensor with 2 dims",
    ),
    # tensors hold numbers only
    (
        "tensor of objects",
        lambda: tm.tensor(np.array([1.0, 2.0], dtype=object)),
        tm.DTypeError,
        "tensor(): data has dtype object",
    ),
    (
        "tensor of strings",
        lambda: tm.tensor(["a", "b"]),
        tm.DTypeError,
        "tensor(): data has dtype <U1",
    ),
    (
        "Tensor of objects",
        lambda: tm.Tensor(np.array([1.0], dtype=object)),
        tm.DTypeError,
        "tensor(): data has dtype object",
    ),
    ("tensor of complex", lambda: tm.tensor([1j]), tm.DTypeError, "data has dtype complex128"),
    # matrix products do not promote (PyTorch's rule; see docs/architecture.md)
    (
        "matmul int32 @ float32",
        lambda: _ones((2, 3), np.int32) @ _ones((3, 4), np.float32),
        tm.DTypeError,
        "matmul: operands (2, 3) int32 and (3, 4) float32 have different dtypes",
    ),
    (
        "matmul float32 @ float64",
        lambda: _ones((2, 3), np.float32) @ _ones((3,), np.float64),
        tm.DTypeError,
        "matmul: operands (2, 3) float32 and (3,) float64 have different dtypes",
    ),
    (
        "linear float64 input, float32 weight",
        lambda: F.linear(_ones((2, 3), np.float64), _ones((4, 3), np.float32)),
        tm.DTypeError,
        "linear: operands (2, 3) float64 and (4, 3) float32 have different dtypes",
    ),
    # factories
    ("randn -1", lambda: tm.randn(-1), ValueError, "randn: shape must hold sizes >= 0, got (-1,)"),
    (
        "zeros (2, -3)",
        lambda: tm.zeros((2, -3)),
        ValueError,
        "zeros: shape must hold sizes >= 0, got (2, -3)",
    ),
    (
        "ones 2.5",
        lambda: tm.ones(2, 2.5),
        TypeError,
        "ones: shape must hold integers, got (2, 2.5)",
    ),
    (
        "full -1",
        lambda: tm.full(-1, 0.5),
        ValueError,
        "full: shape must hold sizes >= 0, got (-1,)",
    ),
    (
        "rand -2",
        lambda: tm.rand(3, -2),
        ValueError,
        "rand: shape must hold sizes >= 0, got (3, -2)",
    ),
    (
        "arange step 0",
        lambda: tm.arange(0, 5, 0),
        ValueError,
        "arange: step must be nonzero, got 0",
    ),
]


@pytest.mark.parametrize("call, error, phrase", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_named(call, error, phrase):
    with pytest.raises(error) as info:
        call()
    assert phrase in str(info.value), f"message {str(info.value)!r} lacks {phrase!r}"


def test_valid_edges_still_work():
    """The checks refuse only what is wrong: zero rates, infinite max_norm, soft targets."""
    optim.Adam([_param()], lr=0.0, betas=(0.0, 0.0), eps=0.0)
    optim.SGD([_param()], lr=0.0)
    p = _grad_param()
    assert optim.clip_grad_norm_([p], math.inf) == pytest.approx(math.sqrt(3))
    np.testing.assert_array_equal(p.grad, np.ones(3))
    loss = F.binary_cross_entropy(tm.tensor([0.25, 0.75]), np.array([0.0, 0.3]))
    assert np.isfinite(loss.item())
    tm.manual_seed(np.int64(3))


@pytest.mark.parametrize(
    "make, x_shape, y_shape",
    [
        (lambda: nn.Linear(0, 3), (4, 0), (4, 3)),
        (lambda: nn.Linear(3, 0), (4, 3), (4, 0)),
        (lambda: nn.MLP([8, 0, 3]), (4, 8), (4, 3)),
        (lambda: nn.MLP([8, 5, 3]), (0, 8), (0, 3)),
    ],
)
def test_zero_size_layers_work_like_pytorch(make, x_shape, y_shape):
    """A zero-size layer builds (no ZeroDivisionError in init), runs and back-propagates.
    With no input features, Linear's output is its bias, which starts at 0."""
    tm.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = make()
        x = tm.tensor(np.ones(x_shape, np.float32), requires_grad=True)
        y = layer(x)
        assert y.shape == y_shape
        (y * y).sum().backward()
    assert x.grad.shape == x_shape
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
    if isinstance(layer, nn.Linear) and layer.in_features == 0:
        np.testing.assert_array_equal(layer.bias.data, np.zeros(3, np.float32))
        np.testing.assert_array_equal(y.data, np.broadcast_to(layer.bias.data, y_shape))


def test_zero_size_lstm_and_embedding():
    tm.manual_seed(0)
    out, (h, c) = nn.LSTM(3, 0)(tm.tensor(np.ones((2, 5, 3), np.float32)))
    assert out.shape == (2, 5, 0) and h.shape == c.shape == (1, 2, 0)
    assert nn.Embedding(0, 4).weight.shape == (0, 4)


@pytest.mark.parametrize("router", ["dense", "topk", "expert_choice"])
@pytest.mark.parametrize("expert", ["mlp", "swiglu"])
def test_moe_with_zero_hidden_units_outputs_the_expert_biases(router, expert):
    """d_hidden=0 is allowed like Linear(0, n): every expert is then the constant b2
    (mlp) or 0 (swiglu, no bias). With every b2 equal to v, dense and top-k routing mix v
    with gates summing to 1, so y = v for every token; expert choice gives each token
    s_t * v with s_t >= 0 (the gates of the experts that picked it)."""
    tm.manual_seed(0)
    moe = nn.MoE(8, 0, 4, router=router, expert=expert, top_k=2)
    v = np.linspace(-1, 1, 8).astype(np.float32)
    if expert == "mlp":
        moe.experts.b2.data[...] = v
    else:
        v = np.zeros(8, np.float32)
    x = tm.tensor(
        np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32), requires_grad=True
    )
    y = moe(x)
    if router == "expert_choice":
        scale = y.data @ v / max(float(v @ v), 1.0)
        assert (scale >= -1e-6).all(), scale
        np.testing.assert_allclose(y.data, scale[:, None] * v, atol=1e-6)
    else:
        np.testing.assert_allclose(y.data, np.broadcast_to(v, (5, 8)), atol=1e-6)
    (y.sum() + moe.aux_loss()).backward()
    assert np.isfinite(x.grad).all()


@pytest.mark.parametrize("shape, dim", [((4, 0), -1), ((0, 3), -1), ((0, 3), 0), ((2, 0, 3), 1)])
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
def test_softmax_of_an_empty_tensor_is_empty(fn, shape, dim):
    x = tm.tensor(np.zeros(shape, np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(x, dim=dim)
        y.sum().backward()
    assert y.shape == shape and y.dtype == np.float32
    assert x.grad.shape == shape


def test_cross_entropy_on_float16_logits_matches_float32():
    """The fused kernel compiles for float32/float64 only; float16 runs the NumPy path."""
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((6, 5)).astype(np.float16)
    target = tm.tensor(rng.integers(0, 5, 6))
    half = tm.tensor(logits, requires_grad=True)
    single = tm.tensor(logits.astype(np.float32), requires_grad=True)
    loss_half, loss_single = F.cross_entropy(half, target), F.cross_entropy(single, target)
    loss_half.backward()
    loss_single.backward()
    assert loss_half.dtype == half.grad.dtype == np.float16
    np.testing.assert_allclose(loss_half.item(), loss_single.item(), rtol=2e-3)
    np.testing.assert_allclose(half.grad, single.grad, atol=2e-3)


def test_float16_gelu_and_erf_run_the_numpy_path():
    """Like cross-entropy: a float16 input never reaches a kernel compiled for float32/64."""
    from tinymoe import backend

    x16 = np.linspace(-4, 4, 9).astype(np.float16)
    half = tm.tensor(x16, requires_grad=True)
    single = tm.tensor(x16.astype(np.float32), requires_grad=True)
    y_half, y_single = F.gelu(half), F.gelu(single)
    y_half.sum().backward()
    y_single.sum().backward()
    assert y_half.dtype == half.grad.dtype == np.float16
    np.testing.assert_allclose(y_half.numpy(), y_single.numpy(), atol=4e-3)
    np.testing.assert_allclose(half.grad, single.grad, atol=4e-3)
    erf16 = backend.erf(x16)
    assert erf16.dtype == np.float16
    np.testing.assert_allclose(erf16, backend.erf(x16.astype(np.float32)), atol=1e-3)


def test_numeric_tensors_and_promotion_rules():
    """Tensors hold bool, integer and floating dtypes. Elementwise ops promote like NumPy
    (int32 + float32 -> float64); matrix products need one dtype (docs/architecture.md)."""
    for dtype in (np.bool_, np.uint8, np.int32, np.int64, np.float16, np.float32, np.float64):
        assert tm.tensor(np.zeros(2, dtype)).dtype == dtype
    assert (_ones(2, np.int32) + _ones(2, np.float32)).dtype == np.float64
    assert (_ones((2, 3), np.int64) @ _ones((3, 2), np.int64)).dtype == np.int64
    assert (_ones((2, 3), np.float64) @ _ones((3,), np.float64)).shape == (2,)


def test_factories_accept_zero_and_numpy_sizes():
    assert tm.zeros(0, 3).shape == (0, 3)
    assert tm.randn((np.int64(2), 0)).shape == (2, 0)
    assert tm.full((2,), 1.5).shape == (2,) and tm.ones(()).shape == ()
    assert tm.arange(5, 0, -2).tolist() == [5, 3, 1]
