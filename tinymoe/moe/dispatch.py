"""Dispatch and combine: run each routed (token, expert, gate) assignment and add
``gate * expert(x[token])`` back into the token's output row.

Assignments come flat: ``token`` (A,) and ``expert`` (A,) integer arrays and ``gate``
(A,) a Tensor (or None for weight 1, as for shared experts). Two paths compute

    y[t] = sum over assignments a with token[a] == t of gate[a] * expert[a](x[t])

- ``dispatch_reference``: a readable loop over experts with ordinary ops (index rows,
  run the expert, ``index_add`` back): the test oracle.
- ``dispatch_fast``: sort assignments by expert (stable argsort + bincount give each
  expert a contiguous segment), run all experts in one grouped-GEMM call per layer
  (``experts.grouped``), which reads the token rows through the sorted index instead of
  gathering a copy, and scatter-add the gate-weighted rows of its output back
  (``Combine``, whose backward is the opposite move; ``GatherRows`` is the gather, for
  expert banks without a fused kernel).
"""

import numpy as np

from tinymoe import backend
from tinymoe.autograd import Function
from tinymoe.tensor import Tensor, zeros


def sort_by_expert(expert: np.ndarray, n_experts: int):
    """``order`` (A,) putting assignments in expert order (stable: ties keep their order)
    and ``offsets`` (E + 1,): expert ``e`` owns sorted positions offsets[e]:offsets[e+1]."""
    order = np.argsort(expert, kind="stable")
    offsets = np.zeros(n_experts + 1, dtype=np.int64)
    np.cumsum(np.bincount(expert, minlength=n_experts), out=offsets[1:])
    return order, offsets


class GatherRows(Function):
    """``x[index]`` for x (T, D), index (A,) -> (A, D); backward scatter-adds rows."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.rows = index, x.shape[0]
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        ones = np.ones(len(ctx.index), grad.dtype)
        scatter = backend.implementation("scatter_add_rows", grad.dtype)
        return scatter(grad, ones, ctx.index, ctx.rows), None


class Combine(Function):
    """``y[index[a]] += gate[a] * values[a]`` -> y (n_rows, D): values (A, D), gate (A,)."""

    @staticmethod
    def forward(ctx, values, gate, index, n_rows):
        ctx.save_for_backward(values, gate)
        ctx.index = index
        return backend.implementation("scatter_add_rows", values.dtype)(values, gate, index,
                                                                       n_rows)

    @staticmethod
    def backward(ctx, grad):
        values, gate = ctx.saved_tensors
        need_values, need_gate = ctx.needs_input_grad[:2]
        grad_values, grad_gate = backend.implementation("combine_backward", values.dtype)(
            grad, values, gate, ctx.index)
        return (grad_values if need_values else None), (grad_gate if need_gate else None), \
            None, None


def dispatch_fast(x: Tensor, token, expert, gate, experts) -> Tensor:
    """Sorted, grouped dispatch: x (T, D) -> y (T, D) (see the module docstring)."""
    order, offsets = sort_by_expert(expert, experts.n_experts)
    token_sorted = token[order]
    hidden = experts.grouped(x, offsets, rows=token_sorted)  # (A, D)
    weight = np.ones(len(order), x.dtype) if gate is None else gate[order]
    return Combine.apply(hidden, weight, token_sorted, x.shape[0])


def dispatch_reference(x: Tensor, token, expert, gate, experts) -> Tensor:
    """One expert at a time with plain ops: x (T, D) -> y (T, D)."""
    y = zeros(*x.shape, dtype=x.dtype)
    for e in range(experts.n_experts):
        mine = np.flatnonzero(expert == e)
        if mine.size == 0:
            continue
        out = experts.one(x[token[mine]], e)
        if gate is not None:
            out = out * gate[mine].reshape(-1, 1)
        y = y.index_add(0, token[mine], out)
    return y


DISPATCH = {"fast": dispatch_fast, "reference": dispatch_reference}
