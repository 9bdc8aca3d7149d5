"""Routers: from router logits (T, E) to flat assignments ``(token, expert, gate)``.

Every router returns a ``Routing`` whose assignments are in *priority order*: all first
choices (token 0, 1, ..., T-1), then all second choices, and so on. Capacity keeps the
earliest assignments of each expert, so first choices take buffer slots before second
choices. ``gate`` is differentiable with respect to the logits; selection is not.

Router math runs in the logits' dtype (the layer makes it float32 or float64).
"""

from dataclasses import dataclass

import numpy as np

from tinymoe.autograd import Function
from tinymoe.functions import stable_sigmoid
from tinymoe.nn import functional as F
from tinymoe.rng import generator
from tinymoe.tensor import Tensor

from .losses import importance_loss, load_loss, switch_loss


@dataclass
class Routing:
    """Assignments of one forward: token, expert (A,) int64; gate (A,) Tensor;
    probs (T, E) the router's distribution over experts (for P_i, entropy, plots);
    balance (scalar Tensor or None): the router's own balancing loss, uncoefficiented."""

    token: np.ndarray
    expert: np.ndarray
    gate: Tensor
    probs: Tensor
    balance: Tensor | None = None


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices (T, k) of the k largest scores per row, best first; ties go to the lower
    expert id (stable sort), so routing is deterministic."""
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def _choice_major(idx: np.ndarray, gate: Tensor) -> tuple:
    """(T, k) choices -> flat (token, expert, gate) with all first choices first."""
    n_tokens, k = idx.shape
    token = np.tile(np.arange(n_tokens), k)
    return token, idx.T.reshape(-1), gate.T.reshape(-1)


def dense(logits: Tensor) -> Routing:
    """Jacobs et al. 1991, adaptive mixtures of local experts: ``g = softmax(logits)``,
    every expert runs on every token, ``y = sum_i g_i E_i(x)``. The learned, per-input
    version of seed 002's fixed 0.6/0.4 weights (fixed weights are an ensemble)."""
    probs = F.softmax(logits, dim=-1)
    n_tokens, n_experts = probs.shape
    idx = np.broadcast_to(np.arange(n_experts), (n_tokens, n_experts))
    return Routing(*_choice_major(idx, probs), probs)


def topk(logits: Tensor, k: int) -> Routing:
    """Mixtral (Jiang et al. 2024): ``p = softmax(logits)`` over all experts, keep the k
    largest and renormalise over them, ``g_i = p_i / sum_{j in top k} p_j``.

    With k = 1 the raw probability ``p_i`` is kept: renormalising would make the gate
    identically 1, and the router would get no gradient from the task loss.
    Balancing: the Switch loss."""
    probs = F.softmax(logits, dim=-1)
    idx = _top(probs.data, k)
    picked = probs.gather(1, idx)  # (T, k)
    gate = picked / picked.sum(dim=1, keepdim=True) if k > 1 else picked
    token, expert, gate = _choice_major(idx, gate)
    return Routing(token, expert, gate, probs, switch_loss(probs, expert))


def switch(logits: Tensor) -> Routing:
    """Switch Transformer (Fedus et al. 2022): top-1 with the raw probability as gate,
    ``y = p_i(x) E_i(x)`` for ``i = argmax p``; the load-balancing loss
    ``alpha * E * sum_i f_i P_i``; used with a capacity factor (the layer's
    ``capacity_factor``) and optional multiplicative jitter on the router input."""
    return topk(logits, 1)


def noisy_topk(logits: Tensor, noise_logits: Tensor, k: int, training: bool) -> Routing:
    """Shazeer et al. 2017, sparsely-gated MoE: ``H = x W_g + eps * softplus(x W_noise)``
    with ``eps ~ N(0, 1)`` in training only, keep the top k of H, ``g = softmax`` over
    those k. Balancing: ``CV^2(importance) + CV^2(load)`` (load smooth through the noise
    while training, the hard token counts otherwise). With k = 1 the gate is 1: only
    the balancing losses train the router."""
    clean = logits
    noise_std = None
    if training:
        noise_std = _Softplus.apply(noise_logits)
        eps = generator().standard_normal(logits.shape).astype(logits.dtype)
        logits = clean + noise_std * eps
    idx = _top(logits.data, k)
    gate = F.softmax(logits.gather(1, idx), dim=1)  # (T, k)
    token, expert, gate = _choice_major(idx, gate)
    n_experts = logits.shape[1]
    balance = importance_loss(gate, expert, n_experts)
    if training and k < n_experts:
        balance = balance + load_loss(clean, logits, noise_std, k)
    return Routing(token, expert, gate, F.softmax(logits, dim=-1), balance)


class _Softplus(Function):
    """``log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))``, finite for any x; its
    derivative is sigmoid(x) (also at x = 0, where max and |x| have kinks)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * stable_sigmoid(x)


def expert_choice(logits: Tensor, capacity: int) -> Routing:
    """Zhou et al. 2022, expert-choice routing: ``p = softmax(logits)`` over experts, then
    each expert picks the ``capacity`` tokens (C = round(capacity_factor * T / E)) with the
    highest ``p[:, e]``; gate = ``p[t, e]``. Perfect balance by construction; a token may
    get several experts or none (its output is then 0).

    It breaks causality: whether token t is picked depends on the scores of the other
    tokens in the batch, including later ones, so an autoregressive model cannot route
    token t before it has seen the future (and batch composition changes outputs)."""
    probs = F.softmax(logits, dim=-1)
    n_tokens, n_experts = probs.shape
    capacity = min(max(int(capacity), 1), n_tokens)
    chosen = _top(probs.data.T, capacity)  # (E, C) token ids
    token = chosen.reshape(-1)
    expert = np.repeat(np.arange(n_experts), capacity)
    return Routing(token, expert, probs[token, expert], probs)


def deepseek(logits: Tensor, bias: np.ndarray, k: int) -> Routing:
    """DeepSeek-V3 (2024): sigmoid affinities ``s = sigmoid(logits)``; select the top k of
    ``s + b`` where b (E,) is a per-expert bias outside the optimiser; gate from the
    unbiased ``s`` normalised over the selected k, ``g_i = s_i / sum_{j in top k} s_j``.
    Auxiliary-loss-free balancing: after each training step ``b_i += gamma *
    sign(mean_load - load_i)`` (``MoE.update_bias``). ``probs`` are s normalised over
    all experts. With k = 1 the gate is identically 1 (use k >= 2, V3 uses 8)."""
    affinity = F.sigmoid(logits)
    idx = _top(affinity.data + bias, k)
    picked = affinity.gather(1, idx)
    token, expert, gate = _choice_major(idx, picked / picked.sum(dim=1, keepdim=True))
    probs = affinity / affinity.sum(dim=1, keepdim=True)
    return Routing(token, expert, gate, probs)


ROUTERS = ("dense", "topk", "noisy_topk", "switch", "expert_choice", "deepseek")
