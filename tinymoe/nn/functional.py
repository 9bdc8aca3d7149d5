"""Stateless layers and losses: ``from tinymoe.nn import functional as F``.

Every softmax-family function shifts by the row max, so logits of +-1e4 stay finite;
every loss checks shapes (no silent broadcasting) and targets (dtype and range)."""

import math

import numpy as np

from .. import functions as fn
from ..autograd import Function
from ..backend import gelu as backend_gelu
from ..backend import gelu_backward as backend_gelu_backward
from ..backend import matmul as backend_matmul
from ..backend import softmax_cross_entropy
from ..errors import (
    DTypeError,
    ShapeError,
    check_float,
    check_integer,
    check_same_dtype,
    check_same_shape,
    fmt,
    normalize_dim,
)
from ..rng import generator
from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")

# ---------------------------------------------------------------- activations


def relu(x: Tensor) -> Tensor:
    return fn.Relu.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return fn.Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    return fn.Tanh.apply(x)


class _LeakyRelu(Function):
    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, slope * x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, grad, ctx.slope * grad), None


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return _LeakyRelu.apply(x, negative_slope)


class _Gelu(Function):
    """GELU: ``x * Phi(x)`` (exact, with erf; a fused kernel) or its tanh approximation.

    The tanh form clamps x to +-TANH_GELU_CLAMP, past which tanh is +-1 exactly (float32
    and float64): that changes no finite result, but keeps ``x**3`` from overflowing and
    ``x * (1 - tanh^2) * x**2`` from becoming 0 * inf = nan at |x| ~ 1e13 (float32), so
    the gradient is 1 or 0 out to +-inf, as its limits are."""

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            c = np.clip(x, -TANH_GELU_CLAMP, TANH_GELU_CLAMP)
            inner = math.sqrt(2 / math.pi) * (c + 0.044715 * c**3)
            return 0.5 * np.maximum(x, -TANH_GELU_CLAMP) * (1 + np.tanh(inner))
        return backend_gelu(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate != "tanh":
            return backend_gelu_backward(x, grad), None
        k = math.sqrt(2 / math.pi)
        x = np.clip(x, -TANH_GELU_CLAMP, TANH_GELU_CLAMP)
        t = np.tanh(k * (x + 0.044715 * x**3))
        slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
        return grad * slope, None


TANH_GELU_CLAMP = 10.0  # tanh(sqrt(2/pi) (10 + 0.044715 * 10^3)) = tanh(43.6) == 1.0


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _Gelu.apply(x, approximate)


def silu(x: Tensor) -> Tensor:
    """``x * sigmoid(x)`` (also called swish)."""
    return x * fn.Sigmoid.apply(x)


def _shifted(x: np.ndarray, dim: int) -> np.ndarray:
    """``x - max(x)`` along ``dim``; a (4, 0) or (0, C) input has no max and stays empty."""
    return x - x.max(axis=dim, keepdims=True, initial=-np.inf)


class _Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        shifted = _shifted(x, dim)
        exp = np.exp(shifted)
        out = exp / exp.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True)), None


class _LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        shifted = _shifted(x, dim)
        if shifted.size == 0:  # no rows or no classes: nothing to normalise (log(0) warns)
            out = shifted
        else:
            out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.dim, keepdims=True), None


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed on ``x - max(x)``; an empty input
    ((4, 0) or (0, C)) gives an empty output of the same shape, as in PyTorch."""
    check_float("softmax", x)
    return _Softmax.apply(x, normalize_dim("softmax", dim, x.ndim))


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, finite for any finite logits; empty in, empty
    out."""
    check_float("log_softmax", x)
    return _LogSoftmax.apply(x, normalize_dim("log_softmax", dim, x.ndim))


# ---------------------------------------------------------------- layers


class _Linear(Function):
    """``x @ weight.T + bias`` for ``x`` (..., in), ``weight`` (out, in), ``bias`` (out,)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ShapeError(f"linear: input {fmt(x.shape)} and weight {fmt(weight.shape)}: "
                             f"the input's last dim must equal weight.shape[1] (in_features)")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ShapeError(f"linear: bias {fmt(bias.shape)} must have shape "
                             f"({weight.shape[0]},) for weight {fmt(weight.shape)}")
        check_same_dtype("linear", x, weight)
        x2 = x.reshape(math.prod(x.shape[:-1]), x.shape[-1])  # (N, in); in may be 0
        out = backend_matmul(x2, weight.T)  # (N, out)
        if bias is not None:
            out += bias
        ctx.save_for_backward(x2, weight)
        ctx.x_shape = x.shape
        return out.reshape(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx, grad):
        x2, weight = ctx.saved_tensors
        g2 = grad.reshape(x2.shape[0], weight.shape[0])  # (N, out); out may be 0
        need_x, need_w, need_b = ctx.needs_input_grad
        grad_x = backend_matmul(g2, weight).reshape(ctx.x_shape) if need_x else None
        grad_w = backend_matmul(g2.T, x2) if need_w else None
        grad_b = g2.sum(axis=0) if need_b else None
        return grad_x, grad_w, grad_b


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x @ weight.T + bias``; weight has PyTorch's layout ``(out, in)``."""
    return _Linear.apply(x, weight, bias)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each entry with probability ``p`` and scale the rest by ``1 / (1 - p)``."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must lie in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * np.zeros(x.shape, x.dtype)
    keep = generator().random(x.shape) >= p
    return x * (keep / (1 - p)).astype(x.dtype)


def embedding(indices, weight: Tensor) -> Tensor:
    """Rows of ``weight`` (num, dim) picked by integer ``indices`` (...) -> (..., dim)."""
    idx = np.asarray(getattr(indices, "data", indices))
    check_integer("embedding", idx, "indices")
    if idx.size and (idx.min() < 0 or idx.max() >= weight.shape[0]):
        bad = idx[(idx < 0) | (idx >= weight.shape[0])].flat[0]
        raise IndexError(f"embedding: index {bad} is outside [0, {weight.shape[0]}) for a "
                         f"weight of shape {fmt(weight.shape)}")
    return weight[idx]


# ---------------------------------------------------------------- losses


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _raw(x) -> np.ndarray:
    return np.asarray(getattr(x, "data", x))


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    check_same_shape("mse_loss", input.data, _raw(target))
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    check_same_shape("l1_loss", input.data, _raw(target))
    return _reduce((input - target).abs(), reduction, "l1_loss")


class _BinaryCrossEntropy(Function):
    """``-(y log p + (1-y) log(1-p))`` with each log clamped at -100 (as PyTorch)."""

    @staticmethod
    def forward(ctx, p, y):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_q = np.maximum(np.log1p(-p), -100)
        ctx.save_for_backward(p, y, log_p, log_q)
        return -(y * log_p + (1 - y) * log_q)

    @staticmethod
    def backward(ctx, grad):
        p, y, log_p, log_q = ctx.saved_tensors
        grad_p = grad * (p - y) / np.maximum(p * (1 - p), 1e-12)
        return grad_p, -grad * (log_p - log_q)


def binary_cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """BCE on probabilities ``input`` in [0, 1]; prefer ``binary_cross_entropy_with_logits``."""
    p = input.data
    check_same_shape("binary_cross_entropy", p, _raw(target))
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got "
                         f"values in [{p.min():.4g}, {p.max():.4g}]; for raw scores use "
                         f"binary_cross_entropy_with_logits")
    y = np.asarray(_raw(target))
    if y.size and not (y.min() >= 0 and y.max() <= 1):
        raise ValueError(f"binary_cross_entropy: target must hold values in [0, 1], got "
                         f"values in [{y.min():.4g}, {y.max():.4g}]")
    return _reduce(_BinaryCrossEntropy.apply(input, target), reduction, "binary_cross_entropy")


class _BCEWithLogits(Function):
    """``max(x, 0) - x y + log(1 + exp(-|x|))``: finite for any logit."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return grad * (fn.stable_sigmoid(x) - y), -grad * x


def binary_cross_entropy_with_logits(input: Tensor, target, reduction: str = "mean") -> Tensor:
    check_same_shape("binary_cross_entropy_with_logits", input.data, _raw(target))
    return _reduce(_BCEWithLogits.apply(input, target), reduction,
                   "binary_cross_entropy_with_logits")


def _check_class_targets(op: str, scores: np.ndarray, targets: np.ndarray) -> None:
    """``scores`` (N, C) and integer ``targets`` (N,) with values in [0, C)."""
    check_float(op, scores, "input")
    if not np.issubdtype(targets.dtype, np.integer):
        raise DTypeError(f"{op}: target must hold integer class indices (int64), got dtype "
                         f"{targets.dtype}")
    if scores.ndim != 2 or targets.shape != scores.shape[:1]:
        raise ShapeError(f"{op}: expected input (N, C) and target (N,), got input "
                         f"{fmt(scores.shape)} and target {fmt(targets.shape)}")
    classes = scores.shape[1]
    bad = targets[(targets < 0) | (targets >= classes)]
    if bad.size:
        raise IndexError(f"{op}: target value {bad[0]} is outside [0, {classes}) "
                         f"for {classes} classes")


class _CrossEntropy(Function):
    """Softmax + cross-entropy in one pass per row, with optional label smoothing."""

    @staticmethod
    def forward(ctx, logits, targets, smoothing):
        loss, dlogits = softmax_cross_entropy(logits, targets)
        if smoothing:
            classes = logits.shape[1]
            rows = np.arange(len(targets))
            logsumexp = loss + logits[rows, targets]
            uniform = logsumexp - logits.mean(axis=1)
            loss = (1 - smoothing) * loss + smoothing * uniform
            dlogits[rows, targets] += smoothing
            dlogits -= smoothing / classes
        ctx.save_for_backward(dlogits)
        return loss

    @staticmethod
    def backward(ctx, grad):
        (dlogits,) = ctx.saved_tensors
        return dlogits * grad[:, None], None, None


def cross_entropy(input: Tensor, target, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits ``input`` (N, C) [or (C,)] against class ids ``target`` (N,).

    ``label_smoothing`` = eps mixes the one-hot target with the uniform distribution.
    Its gradient with respect to the logits is ``(softmax - target) / N`` for ``mean``."""
    targets = _raw(target)
    logits = input
    if input.ndim == 1:
        logits, targets = input.reshape(1, -1), targets.reshape(1)
    _check_class_targets("cross_entropy", logits.data, targets)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must lie in [0, 1], got "
                         f"{label_smoothing}")
    loss = _CrossEntropy.apply(logits, targets, label_smoothing)
    if input.ndim == 1 and reduction == "none":
        loss = loss.reshape(())
    return _reduce(loss, reduction, "cross_entropy")


def nll_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C) at class ids (N,)."""
    targets = _raw(target)
    _check_class_targets("nll_loss", input.data, targets)
    picked = input[np.arange(len(targets)), targets]
    return _reduce(-picked, reduction, "nll_loss")
