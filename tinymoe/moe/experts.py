"""Expert banks: ``E`` experts whose weights are stacked in ``(E, ...)`` Parameters.

Every expert owns its weights (expert ``e`` is ``w1[e]``, ``w2[e]`` ...; nothing is
shared between experts, unlike one of the seed articles). Each bank computes

- ``one(x, e)``: expert ``e`` on rows ``x`` (n, D) with ordinary tinymoe ops (the
  readable reference path), and
- ``grouped(xs, offsets)``: every expert at once on rows sorted by expert, expert ``e``
  owning ``xs[offsets[e]:offsets[e + 1]]``, through ``GroupedLinear`` (the grouped-GEMM
  kernel, forward and backward).

Kinds: ``mlp`` is ``W2 act(W1 x + b1) + b2``; ``swiglu`` is ``W2 (silu(W1 x) * W3 x)``
without biases (Shazeer 2020, used by Mixtral).
"""

import math

import numpy as np

from tinymoe import backend
from tinymoe.autograd import Function
from tinymoe.errors import ShapeError, fmt
from tinymoe.nn import functional as F
from tinymoe.nn import init
from tinymoe.nn.activation import activation_class
from tinymoe.nn.module import Module
from tinymoe.nn.parameter import Parameter

EXPERT_KINDS = ("mlp", "swiglu")


class GroupedLinear(Function):
    """``y[seg_e] = x[seg_e] @ w[e].T + b[e]``: x (A, K) sorted by expert, w (E, N, K),
    b (E, N) or None, offsets (E + 1,) -> y (A, N). Backward runs the grouped kernels too:
    ``dx = dy @ w[e]``, ``dw[e] = dy[seg_e].T @ x[seg_e]``, ``db[e] = dy[seg_e].sum(0)``."""

    @staticmethod
    def forward(ctx, x, w, b, offsets):
        if b is not None and b.shape != w.shape[:2]:
            raise ShapeError(f"grouped_linear: bias {fmt(b.shape)} must be (E, N) = "
                             f"{fmt(w.shape[:2])} for weight {fmt(w.shape)}")
        y = backend.implementation("grouped_matmul")(x, w, offsets)
        if b is not None:
            y += np.repeat(b, np.diff(offsets), axis=0)
        ctx.save_for_backward(x, w, offsets)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, w, offsets = ctx.saved_tensors
        need_x, need_w, need_b, _ = ctx.needs_input_grad
        grad_x = grad_w = grad_b = None
        if need_x:
            wt = w.transpose(0, 2, 1)  # (E, K, N), a strided view the kernel packs from
            grad_x = backend.implementation("grouped_matmul")(grad, wt, offsets)
        if need_w:
            grad_w = backend.implementation("grouped_matmul_tn")(grad, x, offsets)
        if need_b:
            grad_b = backend.implementation("segment_sum")(grad, offsets)
        return grad_x, grad_w, grad_b, None


def grouped_linear(x, w, b, offsets):
    return GroupedLinear.apply(x, w, b, np.asarray(offsets, dtype=np.int64))


def _uniform_parameter(shape, fan_in: int, dtype) -> Parameter:
    """Linear's default init per expert: U(-1/sqrt(fan_in), 1/sqrt(fan_in)); zeros for
    ``fan_in == 0`` (``d_hidden=0``: the second layer has no input, as in ``Linear(0, n)``)."""
    param = Parameter(np.empty(shape, dtype=np.dtype(dtype or np.float32)))
    bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
    return init.uniform_(param, -bound, bound)


class MLPExperts(Module):
    """``E`` experts ``W2 act(W1 x + b1) + b2``; ``activation`` is a name in
    ``tinymoe.nn.activation.ACTIVATIONS`` (the registry ``nn.MLP`` uses).

    w1 (E, H, D), b1 (E, H), w2 (E, D, H), b2 (E, D)."""

    def __init__(self, n_experts: int, d_model: int, d_hidden: int, activation: str = "gelu",
                 dtype=None):
        super().__init__()
        self.n_experts, self.activation = n_experts, activation
        self.act = activation_class(activation, "MLPExperts")()
        self.w1 = _uniform_parameter((n_experts, d_hidden, d_model), d_model, dtype)
        self.b1 = _uniform_parameter((n_experts, d_hidden), d_model, dtype)
        self.w2 = _uniform_parameter((n_experts, d_model, d_hidden), d_hidden, dtype)
        self.b2 = _uniform_parameter((n_experts, d_model), d_hidden, dtype)

    def one(self, x, e: int):
        return F.linear(self.act(F.linear(x, self.w1[e], self.b1[e])), self.w2[e], self.b2[e])

    def grouped(self, xs, offsets):
        hidden = self.act(grouped_linear(xs, self.w1, self.b1, offsets))
        return grouped_linear(hidden, self.w2, self.b2, offsets)

    def extra_repr(self) -> str:
        e, h, d = self.w1.shape
        return f"n_experts={e}, d_model={d}, d_hidden={h}, activation={self.activation!r}"


class SwiGLUExperts(Module):
    """``E`` experts ``W2 (silu(W1 x) * W3 x)``: w1, w3 (E, H, D), w2 (E, D, H), no biases."""

    def __init__(self, n_experts: int, d_model: int, d_hidden: int, dtype=None):
        super().__init__()
        self.n_experts = n_experts
        self.w1 = _uniform_parameter((n_experts, d_hidden, d_model), d_model, dtype)
        self.w2 = _uniform_parameter((n_experts, d_model, d_hidden), d_hidden, dtype)
        self.w3 = _uniform_parameter((n_experts, d_hidden, d_model), d_model, dtype)

    def one(self, x, e: int):
        return F.linear(F.silu(F.linear(x, self.w1[e])) * F.linear(x, self.w3[e]), self.w2[e])

    def grouped(self, xs, offsets):
        gated = F.silu(grouped_linear(xs, self.w1, None, offsets)) * grouped_linear(
            xs, self.w3, None, offsets)
        return grouped_linear(gated, self.w2, None, offsets)

    def extra_repr(self) -> str:
        e, h, d = self.w1.shape
        return f"n_experts={e}, d_model={d}, d_hidden={h}"


def make_experts(kind: str, n_experts: int, d_model: int, d_hidden: int,
                 activation: str = "gelu", dtype=None) -> Module:
    """An ``mlp`` or ``swiglu`` bank (``activation`` applies to ``mlp`` only)."""
    if kind == "mlp":
        return MLPExperts(n_experts, d_model, d_hidden, activation, dtype)
    if kind == "swiglu":
        return SwiGLUExperts(n_experts, d_model, d_hidden, dtype)
    raise ValueError(f"make_experts: unknown expert kind {kind!r}; choose one of {EXPERT_KINDS}")
