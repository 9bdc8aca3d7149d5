"""Routers: from tokens (T, D) to flat assignments ``(token, expert, gate)``.

Every router is a ``Router`` (a ``Module`` owning its parameters and buffers) with one
method, ``route(x) -> Routing``; ``ROUTERS`` maps each name to its class, so adding a
router is one class and one registry line. Class attributes say what the layer needs:
``uses_capacity`` (capacity_factor drops over-capacity assignments), ``softmax`` (the
z-loss applies), ``balance_loss`` (the name of the balancing loss it returns, or None).
The formulas are the plain functions ``dense``, ``topk``, ``noisy_topk``,
``expert_choice`` and ``deepseek`` on router logits (T, E).

Every ``Routing`` lists its assignments in *priority order*: all first choices (token
0, 1, ..., T-1), then all second choices, and so on. Capacity keeps the earliest
assignments of each expert, so first choices take buffer slots before second choices.
``gate`` is differentiable with respect to the logits; selection is not.

Router math runs in the layer's dtype (float32 or float64).
"""

import math
from dataclasses import dataclass

import numpy as np

from tinymoe.autograd import Function
from tinymoe.functions import stable_sigmoid
from tinymoe.nn import functional as F
from tinymoe.nn import init
from tinymoe.nn.module import Module
from tinymoe.nn.parameter import Parameter
from tinymoe.rng import generator
from tinymoe.tensor import Tensor

from .capacity import expert_capacity
from .losses import importance_loss, load_loss, switch_loss


@dataclass
class Routing:
    """Assignments of one forward: token, expert (A,) int64; gate (A,) Tensor;
    probs (T, E) the router's distribution over experts (for P_i, entropy, plots);
    balance (scalar Tensor or None): the router's own balancing loss, uncoefficiented;
    logits (T, E): the router logits (the z-loss is computed from them)."""

    token: np.ndarray
    expert: np.ndarray
    gate: Tensor
    probs: Tensor
    balance: Tensor | None = None
    logits: Tensor | None = None


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
    version of the fixed 0.6/0.4 weights of seed 002, a blog article on "efficient MoE"
    (docs/sources.md#seed-002): fixed weights are an ensemble."""
    probs = F.softmax(logits, dim=-1)
    n_tokens, n_experts = probs.shape
    idx = np.broadcast_to(np.arange(n_experts), (n_tokens, n_experts))
    return Routing(*_choice_major(idx, probs), probs, logits=logits)


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
    return Routing(token, expert, gate, probs, switch_loss(probs, expert), logits)


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
    return Routing(token, expert, gate, F.softmax(logits, dim=-1), balance, clean)


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
    each expert picks the ``capacity`` tokens with the highest ``p[:, e]`` (``C`` is
    clipped to [1, T]; the layer passes ``ceil(capacity_factor * T / E)``, the rounding of
    ``capacity.expert_capacity``); gate = ``p[t, e]``. Perfect balance by construction; a token may
    get several experts or none (its output is then 0).

    It breaks causality: whether token t is picked depends on the scores of the other
    tokens in the batch, including later ones, so an autoregressive model cannot route
    token t before it has seen the future (and batch composition changes outputs)."""
    probs = F.softmax(logits, dim=-1)
    n_tokens, n_experts = probs.shape
    capacity = min(max(int(capacity), 1), n_tokens)  # 0 only when there are no tokens
    chosen = _top(probs.data.T, capacity)  # (E, C) token ids
    token = chosen.reshape(-1)
    expert = np.repeat(np.arange(n_experts), capacity)
    return Routing(token, expert, probs[token, expert], probs, logits=logits)


def deepseek(logits: Tensor, bias: np.ndarray, k: int) -> Routing:
    """DeepSeek-V3 (2024): sigmoid affinities ``s = sigmoid(logits)``; select the top k of
    ``s + b`` where b (E,) is a per-expert bias outside the optimiser; gate from the
    unbiased ``s`` normalised over the selected k, ``g_i = s_i / sum_{j in top k} s_j``.
    Auxiliary-loss-free balancing: after each optimiser step ``b_i += gamma *
    sign(mean_load - load_i)`` (``tinymoe.moe.update_bias``). ``probs`` are s normalised
    over all experts. With k = 1 the gate is identically 1 (use k >= 2, V3 uses 8).

    Stable for any logits: the normalisation runs in log space, ``g = softmax(log s)``
    over the chosen k with ``log s = -softplus(-logits)``, so affinities that underflow
    to 0 (logits around -1e3 and below) never give 0 / 0."""
    idx = _top(stable_sigmoid(logits.data) + bias, k)
    log_s = -_Softplus.apply(-logits)  # (T, E) log sigmoid, finite for any logits
    token, expert, gate = _choice_major(idx, F.softmax(log_s.gather(1, idx), dim=1))
    return Routing(token, expert, gate, F.softmax(log_s, dim=-1), logits=logits)


class Router(Module):
    """A router: owns its weight (E, D) (and any other parameters or buffers) and maps
    tokens x (T, D) to a ``Routing`` with ``route(x)``. Built from a ``MoEConfig``.

    Class attributes the layer reads: ``uses_capacity`` (the layer's capacity_factor drops
    over-capacity assignments), ``uses_top_k`` (``top_k`` must lie in [1, E]),
    ``softmax`` (probabilities come from a softmax, so the z-loss applies),
    ``experts_choose`` (experts pick tokens, so a token may get no expert),
    ``balance_loss`` (the balancing loss in ``Routing.balance``, or None)."""

    uses_capacity = True
    uses_top_k = True
    softmax = True
    experts_choose = False
    balance_loss: str | None = None

    def __init__(self, config) -> None:
        super().__init__()
        self.n_experts, self.top_k, self.jitter = config.n_experts, config.top_k, config.jitter
        bound = 1.0 / math.sqrt(config.d_model)
        self.weight = init.uniform_(
            Parameter(np.empty((config.n_experts, config.d_model), config.dtype)), -bound, bound)

    def forward(self, x: Tensor) -> Routing:
        return self.route(x)

    def route(self, x: Tensor) -> Routing:
        """x (T, D) -> the ``Routing`` of these T tokens."""
        raise NotImplementedError(f"{type(self).__name__} must implement route()")

    def router_input(self, x: Tensor) -> Tensor:
        """x, times Switch's multiplicative jitter U(1 - j, 1 + j) while training."""
        if not (self.jitter and self.training):
            return x
        noise = generator().uniform(1 - self.jitter, 1 + self.jitter, x.shape)
        return x * noise.astype(x.dtype)

    def logits(self, x: Tensor) -> Tensor:
        """Router logits (T, E) = router_input(x) @ weight.T."""
        return self.router_input(x) @ self.weight.T

    def update_bias(self) -> bool:
        """Apply a pending update of non-gradient state; True if something changed. Only
        DeepSeek's router has one (see ``tinymoe.moe.update_bias``)."""
        return False

    def extra_repr(self) -> str:
        return f"n_experts={self.n_experts}, top_k={self.top_k}"


class DenseRouter(Router):
    """``dense``: every expert on every token with softmax gates (no capacity)."""

    uses_capacity = uses_top_k = False

    def route(self, x):
        return dense(self.logits(x))


class TopKRouter(Router):
    """``topk``: Mixtral's softmax-then-top-k, balanced by the Switch loss."""

    balance_loss = "switch"

    def route(self, x):
        return topk(self.logits(x), self.top_k)


class SwitchRouter(TopKRouter):
    """``switch`` (Fedus et al. 2022): top-1 with the raw probability as gate, the Switch
    loss, meant to run with a capacity factor and jitter; ``top_k`` is always 1."""

    uses_top_k = False

    def __init__(self, config) -> None:
        super().__init__(config)
        self.top_k = 1


class NoisyTopKRouter(Router):
    """``noisy_topk`` (Shazeer 2017): learned noise weights (E, D), started at zero;
    balanced by CV^2 of importance + load."""

    balance_loss = "importance + load (CV^2)"

    def __init__(self, config) -> None:
        super().__init__(config)
        self.noise = Parameter(np.zeros((config.n_experts, config.d_model), config.dtype))

    def route(self, x):
        x = self.router_input(x)
        return noisy_topk(x @ self.weight.T, x @ self.noise.T, self.top_k, self.training)


class ExpertChoiceRouter(Router):
    """``expert_choice`` (Zhou 2022): each expert takes C = ceil(cf * T / E) tokens, cf =
    the layer's ``capacity_factor`` or, if None, ``top_k`` (the same rounding as
    ``capacity.expert_capacity``); balanced by construction, so no loss and no drops."""

    uses_capacity = False
    experts_choose = True

    def __init__(self, config) -> None:
        super().__init__(config)
        self.factor = config.capacity_factor or config.top_k

    def route(self, x):
        capacity = expert_capacity(x.shape[0], self.n_experts, 1, self.factor)
        return expert_choice(self.logits(x), capacity)


class DeepSeekRouter(Router):
    """``deepseek`` (V3): sigmoid affinities, top-k selection shifted by the buffer
    ``expert_bias`` (E,) that no gradient touches. A training forward records its load;
    ``update_bias()`` (called by ``tinymoe.moe.update_bias(model)`` after
    ``optimizer.step()``) applies ``b_i += gamma * sign(mean_load - load_i)`` once."""

    softmax = False

    def __init__(self, config) -> None:
        super().__init__(config)
        self.rate = config.bias_update_rate
        self.register_buffer("expert_bias", np.zeros(config.n_experts, config.dtype))
        self.pending_load = None  # (E,) choices per expert of the last training forward

    def route(self, x):
        routing = deepseek(self.logits(x), self.expert_bias, self.top_k)
        if self.training:
            self.pending_load = np.bincount(routing.expert, minlength=self.n_experts)
        return routing

    def update_bias(self) -> bool:
        if self.pending_load is None:
            return False
        load = self.pending_load.astype(self.expert_bias.dtype)
        self.pending_load = None
        if load.sum() == 0 or self.rate == 0:  # an empty batch says nothing of the balance
            return False
        self.expert_bias += self.rate * np.sign(load.mean() - load)
        return True

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, bias_update_rate={self.rate}"


ROUTERS = {
    "dense": DenseRouter,
    "topk": TopKRouter,
    "noisy_topk": NoisyTopKRouter,
    "switch": SwitchRouter,
    "expert_choice": ExpertChoiceRouter,
    "deepseek": DeepSeekRouter,
}


def update_bias(model: Module) -> int:
    """DeepSeek-V3's auxiliary-loss-free balancing step: for every router in ``model``
    with a pending update (a deepseek router after a training forward), apply it, in
    place and outside autograd. Call it after ``optimizer.step()`` (``tinymoe.train.fit``
    does). Returns how many routers changed; a second call before the next training
    forward changes nothing."""
    return sum(m.update_bias() for m in model.modules() if isinstance(m, Router))
