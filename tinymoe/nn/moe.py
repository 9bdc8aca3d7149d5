"""``MoE``: a mixture-of-experts layer with every major router side by side.

``y = moe(x)`` for x (..., d_model). After each forward, ``moe.aux_loss`` is the scalar
Tensor to add to the training loss (0 when disabled) and ``moe.stats`` a
``tinymoe.moe.MoEStats`` with the routing diagnostics of that call.
"""

import math

import numpy as np

from tinymoe.errors import ShapeError, fmt
from tinymoe.moe import routers
from tinymoe.moe.capacity import expert_capacity, within_capacity
from tinymoe.moe.dispatch import DISPATCH
from tinymoe.moe.experts import make_experts
from tinymoe.moe.losses import z_loss
from tinymoe.moe.stats import routing_stats
from tinymoe.nn import init
from tinymoe.nn.module import Module
from tinymoe.nn.parameter import Parameter
from tinymoe.rng import generator
from tinymoe.tensor import Tensor, tensor


class MoE(Module):
    """Mixture of experts (Jacobs et al. 1991; Shazeer et al. 2017): a router scores the
    ``n_experts`` experts for every token and the output is the gate-weighted sum of the
    chosen experts, ``y = sum_{i in chosen} g_i(x) E_i(x)`` (+ always-on shared experts).
    Total parameters grow with E; compute per token follows the *active* ones (k experts).

    router: ``dense`` | ``topk`` (Mixtral) | ``noisy_topk`` (Shazeer 2017) | ``switch``
        (top-1; ``top_k`` is ignored) | ``expert_choice`` (Zhou 2022; C = round(cf * T / E)
        with cf = ``capacity_factor`` or, if None, ``top_k``) | ``deepseek`` (V3 sigmoid
        routing with a bias buffer). See ``tinymoe.moe.routers`` for the formulas.
    expert: ``mlp`` (Linear-act-Linear, ``activation``) or ``swiglu``; each expert has its
        own weights, stacked as (E, ...) Parameters in ``moe.experts``.
    capacity_factor: None = dropless; else C = ceil(cf * k * T / E) slots per expert,
        first choices first, over-capacity assignments dropped (output 0 for them);
        dense ignores it and expert_choice uses it as its cf.
    n_shared: always-on shared experts (DeepSeekMoE), added with weight 1; with many
        small routed experts (large E, small d_hidden) this is fine-grained DeepSeekMoE.
    aux_loss_coef: weight of the router's balancing loss (Switch loss for topk/switch,
        CV^2 importance + load for noisy_topk; dense, expert_choice and deepseek have
        none). z_loss_coef: weight of ST-MoE's router z-loss (softmax routers only).
    jitter: Switch's multiplicative noise U(1 - j, 1 + j) on the router input (training).
    bias_update_rate: DeepSeek's gamma. The bias is a buffer (``moe.expert_bias``, no
        gradient, not seen by the optimiser) updated AUTOMATICALLY after every forward in
        training mode by ``update_bias``: ``b_i += gamma * sign(mean_load - load_i)``.
    dispatch: ``fast`` (sorted, grouped-GEMM kernel) or ``reference`` (loop over experts).
    Router math runs in float64 for float64 layers and in float32 otherwise.
    """

    def __init__(self, d_model: int, d_hidden: int, n_experts: int, top_k: int = 2,
                 router: str = "topk", expert: str = "mlp", capacity_factor: float | None = None,
                 n_shared: int = 0, aux_loss_coef: float = 0.01, z_loss_coef: float = 0.0,
                 jitter: float = 0.0, bias_update_rate: float = 1e-3, activation: str = "gelu",
                 dispatch: str = "fast", dtype=None):
        super().__init__()
        if router not in routers.ROUTERS:
            raise ValueError(f"MoE: unknown router {router!r}; choose one of {routers.ROUTERS}")
        if dispatch not in DISPATCH:
            raise ValueError(f"MoE: unknown dispatch {dispatch!r}; choose one of "
                             f"{tuple(DISPATCH)}")
        if router == "switch":
            top_k = 1
        if router != "dense" and not 1 <= top_k <= n_experts:
            raise ValueError(f"MoE: top_k must lie in [1, n_experts={n_experts}], got {top_k}")
        if z_loss_coef and router == "deepseek":
            raise ValueError("MoE: the z-loss is for softmax routers; deepseek uses sigmoids")
        if capacity_factor is not None and capacity_factor <= 0:
            raise ValueError(f"MoE: capacity_factor must be > 0 or None, got {capacity_factor}")
        self.d_model, self.n_experts, self.top_k = d_model, n_experts, top_k
        self.router_kind, self.dispatch = router, dispatch
        self.capacity_factor, self.jitter = capacity_factor, jitter
        self.aux_loss_coef, self.z_loss_coef = aux_loss_coef, z_loss_coef
        self.bias_update_rate = bias_update_rate
        self.dtype = np.dtype(dtype or np.float32)
        self.router_dtype = np.dtype(np.float64 if self.dtype == np.float64 else np.float32)
        bound = 1.0 / math.sqrt(d_model)
        self.router = init.uniform_(Parameter(np.empty((n_experts, d_model), self.router_dtype)),
                                    -bound, bound)
        if router == "noisy_topk":  # Shazeer et al. start the noise weights at zero
            self.noise = Parameter(np.zeros((n_experts, d_model), self.router_dtype))
        if router == "deepseek":
            self.register_buffer("expert_bias", np.zeros(n_experts, self.router_dtype))
        self.experts = make_experts(expert, n_experts, d_model, d_hidden, activation, self.dtype)
        self.shared = (make_experts(expert, n_shared, d_model, d_hidden, activation, self.dtype)
                       if n_shared else None)
        self.aux_loss = tensor(0.0, dtype=self.router_dtype)
        self.stats = None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 0 or x.shape[-1] != self.d_model:
            raise ShapeError(f"MoE: input {fmt(x.shape)} must end in d_model={self.d_model}")
        h = x.reshape(-1, self.d_model)  # (T, D)
        routing, keep = self._route(h)
        token, expert, gate = routing.token, routing.expert, routing.gate
        if not keep.all():
            token, expert, gate = token[keep], expert[keep], gate[np.flatnonzero(keep)]
        run = DISPATCH[self.dispatch]
        y = run(h, token, expert, gate.to(x.dtype), self.experts)
        if self.shared is not None:
            n_tokens, n_shared = h.shape[0], self.shared.n_experts
            y = y + run(h, np.tile(np.arange(n_tokens), n_shared),
                        np.repeat(np.arange(n_shared), n_tokens), None, self.shared)
        if self.router_kind == "deepseek" and self.training:
            self.update_bias(np.bincount(expert, minlength=self.n_experts))
        return y.reshape(x.shape)

    def _route(self, h: Tensor):
        """Routing, keep-mask (A,); sets ``aux_loss`` and ``stats``."""
        r_in = h.to(self.router_dtype)
        if self.jitter and self.training:
            r_in = r_in * generator().uniform(1 - self.jitter, 1 + self.jitter,
                                              r_in.shape).astype(self.router_dtype)
        logits = r_in @ self.router.T  # (T, E)
        kind, k = self.router_kind, self.top_k
        if kind == "dense":
            routing = routers.dense(logits)
        elif kind in ("topk", "switch"):
            routing = routers.topk(logits, k)
        elif kind == "noisy_topk":
            routing = routers.noisy_topk(logits, r_in @ self.noise.T, k, self.training)
        elif kind == "expert_choice":
            factor = self.capacity_factor or k
            routing = routers.expert_choice(logits, round(factor * h.shape[0] / self.n_experts))
        else:
            routing = routers.deepseek(logits, self.expert_bias, k)
        keep = np.ones(len(routing.expert), dtype=bool)
        if self.capacity_factor is not None and kind not in ("dense", "expert_choice"):
            slots = expert_capacity(h.shape[0], self.n_experts, k, self.capacity_factor)
            keep = within_capacity(routing.expert, self.n_experts, slots)
        aux = tensor(0.0, dtype=self.router_dtype)
        if routing.balance is not None and self.aux_loss_coef:
            aux = routing.balance * self.aux_loss_coef
        z = z_loss(logits) if kind != "deepseek" else None
        if z is not None and self.z_loss_coef:
            aux = aux + z * self.z_loss_coef
        self.aux_loss = aux
        self.stats = routing_stats(
            routing.probs.data, routing.token, routing.expert, routing.gate.data, keep,
            kind == "expert_choice", 0.0 if routing.balance is None else routing.balance.item(),
            0.0 if z is None else z.item())
        return routing, keep

    def update_bias(self, tokens_per_expert: np.ndarray) -> None:
        """DeepSeek-V3's auxiliary-loss-free update, in place and outside autograd:
        ``b_i += gamma * sign(mean_load - load_i)`` (overloaded experts go down)."""
        load = np.asarray(tokens_per_expert, dtype=self.router_dtype)
        self.expert_bias += self.bias_update_rate * np.sign(load.mean() - load)

    def extra_repr(self) -> str:
        return (f"d_model={self.d_model}, n_experts={self.n_experts}, top_k={self.top_k}, "
                f"router={self.router_kind!r}, capacity_factor={self.capacity_factor}, "
                f"dispatch={self.dispatch!r}")
