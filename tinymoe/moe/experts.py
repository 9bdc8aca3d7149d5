"""Expert banks: ``E`` experts whose weights are stacked in ``(E, ...)`` Parameters.

Every expert owns its weights (expert ``e`` is ``w1[e]``, ``w2[e]`` ...; nothing is
shared between experts, unlike one of the seed articles). Each bank computes

- ``one(x, e)``: expert ``e`` on rows ``x`` (n, D) with ordinary tinymoe ops (the
  readable reference path), and
- ``grouped(xs, offsets, rows=None)``: every expert at once on rows sorted by expert,
  expert ``e`` owning sorted rows ``offsets[e]:offsets[e + 1]``, which are
  ``xs[rows]`` (read through the index, no gathered copy) or, if ``rows`` is None,
  ``xs`` itself. ``mlp`` banks with ReLU or GELU run ``ExpertMLP`` (both layers in the
  fused grouped-GEMM kernels, the activation in the first one's epilogue); the others
  run ``GroupedLinear`` per layer.

Kinds: ``mlp`` is ``W2 act(W1 x + b1) + b2``; ``swiglu`` is ``W2 (silu(W1 x) * W3 x)``
without biases (Shazeer 2020, used by Mixtral).
"""

import math
from functools import partial

import numpy as np

from tinymoe import backend
from tinymoe.autograd import Function
from tinymoe.errors import ShapeError, fmt
from tinymoe.moe.dispatch import GatherRows
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


FUSED_ACTIVATIONS = ("relu", "gelu")  # the epilogues of the grouped_linear kernel


class ExpertMLP(Function):
    """Every expert's ``W2 act(W1 x + b1) + b2`` on its rows, fused: x (T, D) read through
    ``rows`` (A,) sorted by expert, w1 (E, H, D), b1 (E, H), w2 (E, D, H), b2 (E, D),
    offsets (E + 1,) -> y (A, D). Forward: ``h = act(x[rows] W1^T + b1)`` in one kernel
    (bias and activation in its epilogue; GELU keeps its input ``pre`` for the gradient,
    ReLU reads its output), ``y = h W2^T + b2``. Backward mirrors it: ``dpre = (dy W2) *
    act'`` in one kernel, weight gradients read x through ``rows``, and ``dx`` adds each
    row's gradient back to its token (a token routed to k experts gets k)."""

    @staticmethod
    def forward(ctx, x, w1, b1, w2, b2, offsets, rows, activation):
        linear = backend.implementation("grouped_linear", x.dtype)
        hidden, pre = linear(x, w1, b1, offsets, rows, activation)
        y = linear(hidden, w2, b2, offsets)[0]
        ctx.save_for_backward(x, w1, w2, hidden, hidden if pre is None else pre)
        ctx.offsets, ctx.rows, ctx.activation = offsets, rows, activation
        return y

    @staticmethod
    def backward(ctx, grad):
        x, w1, w2, hidden, saved = ctx.saved_tensors
        offsets, rows = ctx.offsets, ctx.rows
        need_x, need_w1, need_b1, need_w2, need_b2 = ctx.needs_input_grad[:5]
        impl = partial(backend.implementation, dtype=x.dtype)
        grad_w2 = impl("grouped_matmul_tn")(grad, hidden, offsets) if need_w2 else None
        grad_b2 = impl("segment_sum")(grad, offsets) if need_b2 else None
        grad_x = grad_w1 = grad_b1 = None
        if need_x or need_w1 or need_b1:
            dpre = impl("grouped_linear_grad")(grad, w2.transpose(0, 2, 1), offsets,
                                              ctx.activation, saved)
            if need_w1:
                grad_w1 = impl("grouped_matmul_tn")(dpre, x, offsets, rows)
            if need_b1:
                grad_b1 = impl("segment_sum")(dpre, offsets)
            if need_x:
                dxs = impl("grouped_matmul")(dpre, w1.transpose(0, 2, 1), offsets)
                grad_x = impl("scatter_add_rows")(dxs, np.ones(len(rows), x.dtype), rows,
                                                  x.shape[0])
        return grad_x, grad_w1, grad_b1, grad_w2, grad_b2, None, None, None


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

    def grouped(self, xs, offsets, rows=None):
        offsets = np.asarray(offsets, dtype=np.int64)
        if self.activation in FUSED_ACTIVATIONS:
            rows = np.arange(xs.shape[0]) if rows is None else rows
            return ExpertMLP.apply(xs, self.w1, self.b1, self.w2, self.b2, offsets,
                                   np.asarray(rows, dtype=np.int64), self.activation)
        xs = xs if rows is None else GatherRows.apply(xs, rows)
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

    def grouped(self, xs, offsets, rows=None):
        xs = xs if rows is None else GatherRows.apply(xs, rows)
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
