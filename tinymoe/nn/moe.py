"""``MoE``: a mixture-of-experts layer with every major router side by side.

``y = moe(x)`` for x (..., d_model). The training contract: ``loss = task_loss +
model.aux_loss()`` (``Module.aux_loss`` collects the balancing and z-losses of every MoE
layer from its last forward), then ``backward``, ``optimizer.step()`` and
``tinymoe.moe.update_bias(model)`` (DeepSeek routers); ``tinymoe.train.fit`` does all of
it. After each forward ``moe.stats`` is a ``tinymoe.moe.MoEStats`` with the routing
diagnostics of that call.
"""

import warnings

import numpy as np

from tinymoe.autograd import is_grad_enabled
from tinymoe.errors import ShapeError, fmt
from tinymoe.moe.capacity import expert_capacity, within_capacity
from tinymoe.moe.config import MoEConfig
from tinymoe.moe.dispatch import DISPATCH
from tinymoe.moe.experts import make_experts
from tinymoe.moe.losses import z_loss
from tinymoe.moe.routers import ROUTERS, Routing
from tinymoe.moe.stats import routing_stats
from tinymoe.nn.module import Module
from tinymoe.tensor import Tensor, zeros


class AuxLossWarning(UserWarning):
    """A training forward's auxiliary loss was never collected with ``aux_loss()``."""


class MoE(Module):
    """Mixture of experts (Jacobs et al. 1991; Shazeer et al. 2017): a router scores the
    ``n_experts`` experts for every token and the output is the gate-weighted sum of the
    chosen experts, ``y = sum_{i in chosen} g_i(x) E_i(x)`` (+ always-on shared experts).
    Total parameters grow with E; compute per token follows the *active* ones (k experts).

    Build it from a config or from keyword arguments (the same fields, validated in
    ``MoEConfig``): ``MoE(MoEConfig(32, 64, 4, router="switch"))`` or
    ``MoE(32, 64, 4, router="switch")``; ``moe.config`` keeps the config.

    Training contract (what every training loop must do):

    1. ``loss = task_loss + model.aux_loss()`` — the layer's ``aux_loss_coef *
       balancing loss + z_loss_coef * z-loss`` from its last forward (0 when both
       coefficients are 0 or the router has no such loss). ``Module.aux_loss`` sums it
       over every MoE layer in the model. A training-mode forward with gradients on whose
       aux loss was not collected before the layer's next such forward gets one
       ``AuxLossWarning`` naming the layer (once per layer): the balancing it asked
       for would be silently lost.
    2. ``loss.backward(); optimizer.step()``.
    3. ``tinymoe.moe.update_bias(model)`` — DeepSeek routers apply their bias update
       from the load of their last training forward (nothing else changes state: a
       forward in eval mode changes no parameter or buffer).
    ``tinymoe.train.fit`` does steps 1-3 for you.

    router: a name in ``tinymoe.moe.routers.ROUTERS`` — ``dense`` | ``topk`` (Mixtral) |
        ``noisy_topk`` (Shazeer 2017) | ``switch`` (top-1; ``top_k`` is ignored) |
        ``expert_choice`` (Zhou 2022; C = ceil(cf * T / E) with cf = ``capacity_factor``
        or, if None, ``top_k``) | ``deepseek`` (V3 sigmoid routing with a bias buffer).
        The router is a Module in ``moe.router`` owning its weight (E, D) and state.
    expert: ``mlp`` (Linear-act-Linear, ``activation``) or ``swiglu``; each expert has its
        own weights, stacked as (E, ...) Parameters in ``moe.experts``.
    capacity_factor: None = dropless; else C = ceil(cf * k * T / E) slots per expert,
        first choices first, over-capacity assignments dropped (output 0 for them); the
        routers without ``uses_capacity`` (dense, expert_choice) do not drop.
    n_shared: always-on shared experts (DeepSeekMoE), added with weight 1; with many
        small routed experts (large E, small d_hidden) this is fine-grained DeepSeekMoE.
    aux_loss_coef: weight of the router's balancing loss (Switch loss for topk/switch,
        CV^2 importance + load for noisy_topk; dense, expert_choice and deepseek have
        none). z_loss_coef: weight of ST-MoE's router z-loss (softmax routers only).
    jitter: Switch's multiplicative noise U(1 - j, 1 + j) on the router input (training).
    bias_update_rate: DeepSeek's gamma; the bias is the buffer ``moe.router.expert_bias``
        (no gradient, not seen by the optimiser), changed only by ``update_bias``.
    dispatch: ``fast`` (sorted, grouped-GEMM kernel) or ``reference`` (loop over experts).
    dtype: float32 (default) or float64, for experts and router alike; the input must
        have the same dtype (``tinymoe.DTypeError`` otherwise, as in every layer).
    """

    def __init__(self, d_model: int | MoEConfig | None = None, d_hidden: int | None = None,
                 n_experts: int | None = None, *, config: MoEConfig | None = None, **options):
        super().__init__()
        if isinstance(d_model, MoEConfig):  # MoE(config)
            d_model, config = None, d_model
        if config is None:
            config = MoEConfig(d_model, d_hidden, n_experts, **options)
        elif d_model is not None or d_hidden is not None or n_experts is not None or options:
            raise TypeError("MoE: pass either a MoEConfig or (d_model, d_hidden, n_experts, "
                            "**options), not both")
        self.config = config
        self.router = ROUTERS[config.router](config)
        self.experts = make_experts(config.expert, config.n_experts, config.d_model,
                                    config.d_hidden, config.activation, config.dtype)
        self.shared = (make_experts(config.expert, config.n_shared, config.d_model,
                                    config.d_hidden, config.activation, config.dtype)
                       if config.n_shared else None)
        self._aux = zeros((), dtype=config.dtype)
        self._aux_pending = self._aux_warned = False
        self.stats = None

    # read-only views of the config
    d_model = property(lambda self: self.config.d_model)
    n_experts = property(lambda self: self.config.n_experts)
    top_k = property(lambda self: self.router.top_k)
    dtype = property(lambda self: self.config.dtype)
    dispatch = property(lambda self: self.config.dispatch)
    aux_loss_coef = property(lambda self: self.config.aux_loss_coef)

    def forward(self, x: Tensor) -> Tensor:
        self.check_input_dtype(x, self.dtype)
        if x.ndim == 0 or x.shape[-1] != self.d_model:
            raise ShapeError(f"MoE: input {fmt(x.shape)} must end in d_model={self.d_model}")
        recording = self.training and is_grad_enabled()
        if recording and self._aux_pending and not self._aux_warned:
            self._aux_warned = True
            warnings.warn(AuxLossWarning(
                f"{self.describe()}: the auxiliary (balancing/z) loss of the previous "
                "training forward was never collected, so the router is not being "
                "balanced. Add it to the loss before backward: loss = task_loss + "
                "model.aux_loss() (tinymoe.train.fit does). Shown once per layer."),
                stacklevel=3)
        h = x.reshape(-1, self.d_model)  # (T, D)
        routing = self.router(h)
        keep = self._capacity_mask(routing, h.shape[0])
        token, expert, gate = routing.token, routing.expert, routing.gate
        if not keep.all():
            token, expert, gate = token[keep], expert[keep], gate[np.flatnonzero(keep)]
        run = DISPATCH[self.dispatch]
        y = run(h, token, expert, gate, self.experts)
        if self.shared is not None:
            n_tokens, n_shared = h.shape[0], self.shared.n_experts
            y = y + run(h, np.tile(np.arange(n_tokens), n_shared),
                        np.repeat(np.arange(n_shared), n_tokens), None, self.shared)
        self._record_losses(routing, keep)
        self._aux_pending = recording and self._aux.requires_grad
        return y.reshape(x.shape)

    def _capacity_mask(self, routing: Routing, n_tokens: int) -> np.ndarray:
        """Keep-mask (A,) of the assignments within each expert's capacity."""
        if self.config.capacity_factor is None or not self.router.uses_capacity:
            return np.ones(len(routing.expert), dtype=bool)
        slots = expert_capacity(n_tokens, self.n_experts, self.top_k,
                                self.config.capacity_factor)
        return within_capacity(routing.expert, self.n_experts, slots)

    def _record_losses(self, routing: Routing, keep: np.ndarray) -> None:
        """Set the weighted aux loss (for ``aux_loss()``) and ``stats`` of this forward."""
        config = self.config
        aux = zeros((), dtype=self.dtype)
        if routing.balance is not None and config.aux_loss_coef:
            aux = routing.balance * config.aux_loss_coef
        z = z_loss(routing.logits) if self.router.softmax else None
        if z is not None and config.z_loss_coef:
            aux = aux + z * config.z_loss_coef
        self._aux = aux
        self.stats = routing_stats(
            routing.probs.data, routing.token, routing.expert, routing.gate.data, keep,
            self.router.experts_choose,
            0.0 if routing.balance is None else routing.balance.item(),
            0.0 if z is None else z.item())

    def collect_aux_loss(self) -> Tensor:
        """The weighted aux loss of the last forward, marked as collected."""
        self._aux_pending = False
        return self._aux

    def extra_repr(self) -> str:
        c = self.config
        return (f"d_model={c.d_model}, n_experts={c.n_experts}, top_k={self.top_k}, "
                f"router={c.router!r}, capacity_factor={c.capacity_factor}, "
                f"aux_loss_coef={c.aux_loss_coef}, dispatch={c.dispatch!r}")
