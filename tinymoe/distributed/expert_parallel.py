"""Expert parallelism (GShard, Lepikhin et al. 2020; Switch, Fedus et al. 2022): the E
experts of an MoE layer are sharded over P ranks, E/P per rank, so the layer's expert
weights fit on P machines instead of one.

Every rank holds the router (replicated) and its own block of experts (``plan.
expert_owner``), and runs one forward on its own tokens:

1. route them locally (the router is the single-process one);
2. compute the global statistics with one ``Allgather`` of a small vector per rank
   (tokens, assignments per choice level and expert, summed router probabilities and
   squared logsumexps) and apply capacity with them;
3. sort the kept assignments by expert (hence by owner rank), exchange the per-(rank,
   expert) counts with ``Alltoall``, then the rows with ``Alltoallv`` (dispatch);
4. regroup the received rows by local expert and run the local experts with the grouped
   GEMM of the expert bank (``experts.grouped``, the single-process kernel);
5. send the results back with a second ``Alltoallv`` (combine) and add them,
   gate-weighted, into the token rows (``tinymoe.moe.dispatch.Combine``).

Backward is the mirror image: ``AllToAllRows.backward`` sends each gradient row back
the way its forward row came (an ``Alltoallv`` with the counts swapped).

Which statistics are global (equal to the single-process layer on the concatenation of
the ranks' batches in rank order) and which are local:

- global: the token count T behind the capacity ``C = ceil(cf * k * T / E)``; each
  expert's slot order (all first choices of every rank's tokens, then all second
  choices, ..., lower ranks first: ``plan.capacity_keep``); the Switch balancing loss's
  ``f_i`` (routed fraction) and ``P_i`` (mean probability); the z-loss; DeepSeek's load
  for ``update_bias`` (so the replicated bias stays identical on every rank).
- local: the routing itself (each token's top k depends on that token only) and
  ``stats`` (this rank's tokens; its ``aux_loss`` and ``z_loss`` are the global values).

The balancing and z-losses returned by ``aux_loss()`` have the *global* value on every
rank; their gradient is P times this rank's share, the data-parallel convention of
``allreduce_gradients`` (each rank's loss is the mean over its own batch, gradients are
averaged): after ``allreduce_gradients`` every parameter's gradient equals the
single-process gradient of ``mean task loss + aux loss``. Input gradients are P times
the single-process ones (each rank's loss counts its tokens P times), as in any data
parallel run.

Not supported (a ValueError says why): ``expert_choice`` (each expert picks its tokens
from the whole global batch) and ``noisy_topk`` (its CV^2 losses need differentiable
global sums and per-rank noise differs from one process's).
"""

import warnings

import numpy as np

from tinymoe.autograd import Function, is_grad_enabled
from tinymoe.errors import ShapeError, fmt
from tinymoe.moe.capacity import expert_capacity
from tinymoe.moe.config import MoEConfig
from tinymoe.moe.dispatch import DISPATCH, Combine, GatherRows
from tinymoe.moe.experts import make_experts
from tinymoe.moe.routers import ROUTERS, DeepSeekRouter, DenseRouter, Routing
from tinymoe.moe.stats import routing_stats
from tinymoe.nn.module import Module
from tinymoe.nn.moe import AuxLossWarning, MoE
from tinymoe.tensor import Tensor, zeros

from . import plan
from .comm import World, allgather, alltoall, alltoallv, world


class AllToAllRows(Function):
    """``Alltoallv`` of rows (n, D) grouped by destination: ``send`` (P,) rows to each
    rank, ``recv`` (P,) rows from each -> (sum(recv), D). Backward sends the gradient
    rows back: an ``Alltoallv`` with ``send`` and ``recv`` swapped. ``tag`` names the
    traffic (``world.traffic[tag]``, ``tag + ".backward"`` for the gradients)."""

    @staticmethod
    def forward(ctx, rows, send, recv, w, tag):
        ctx.send, ctx.recv, ctx.world, ctx.tag = send, recv, w, tag
        return alltoallv(w, rows, send, recv, tag)

    @staticmethod
    def backward(ctx, grad):
        back = alltoallv(ctx.world, grad, ctx.recv, ctx.send, ctx.tag + ".backward")
        return back, None, None, None, None


def _global_mean(local_sum: Tensor, global_sum: np.ndarray, n_global: int,
                 n_ranks: int) -> Tensor:
    """A mean over the global batch: value ``global_sum / n_global`` (the same on every
    rank), gradient ``n_ranks / n_global`` times ``local_sum``'s (this rank's share, times
    P for the averaging data-parallel convention). 0 for an empty global batch."""
    if n_global == 0:
        return local_sum * 0.0
    share = local_sum * (n_ranks / n_global)
    return share + (global_sum / n_global - share.data).astype(share.dtype)


class ExpertParallelMoE(MoE):
    """``nn.MoE`` with its experts sharded over the ranks of ``world`` (see the module
    docstring): same config, same outputs and gradients as the single-process layer run
    on the concatenation of all ranks' batches (rank order).

    config: a ``MoEConfig`` whose ``n_experts`` is divisible by the number of ranks
    (ValueError naming both otherwise). This rank builds the router (replicated; make it
    identical everywhere with ``broadcast_parameters`` or load it with ``from_moe``) and
    experts ``expert_range`` only, stored in ``experts`` as an (E/P, ...) bank whose
    state-dict keys are nn.MoE's. The experts always run through the grouped GEMM
    (``config.dispatch`` applies to the shared experts only, which are replicated).

    Every rank must call forward (and backward) the same number of times in the same
    order: each forward and backward is a collective. A rank may hold zero tokens; the
    input's ``requires_grad`` must be the same on every rank.
    After a forward, ``sent`` / ``received`` (P,) are the rows this rank sent to and
    received from each rank (``received.sum()``: the rows its experts processed).
    ``world.traffic`` counts the bytes sent off-rank: ``moe.dispatch`` + ``moe.combine``
    per forward equal ``plan.alltoall_bytes`` of the kept assignments, and the backward
    (``*.backward``) moves as much again."""

    def __init__(self, config: MoEConfig, w: World | None = None):
        Module.__init__(self)
        if not isinstance(config, MoEConfig):
            raise TypeError(f"ExpertParallelMoE: config must be a MoEConfig, got "
                            f"{type(config).__name__}")
        router_class = ROUTERS[config.router]
        if router_class.experts_choose or router_class.balance_loss not in (None, "switch"):
            raise ValueError(f"ExpertParallelMoE: router {config.router!r} is not supported "
                             "(expert_choice picks tokens from the whole global batch; "
                             "noisy_topk's CV^2 losses need differentiable global sums); use "
                             "dense, topk, switch or deepseek")
        self.world = w or world()
        owner = plan.expert_owner(config.n_experts, self.world.size)
        local = np.flatnonzero(owner == self.world.rank)
        self.expert_range = range(int(local[0]), int(local[-1]) + 1)
        self.config = config
        self.router = router_class(config)
        self.experts = make_experts(config.expert, len(local), config.d_model,
                                    config.d_hidden, config.activation, config.dtype)
        self.shared = (make_experts(config.expert, config.n_shared, config.d_model,
                                    config.d_hidden, config.activation, config.dtype)
                       if config.n_shared else None)
        self.levels = config.n_experts if isinstance(self.router, DenseRouter) else self.top_k
        self._aux = zeros((), dtype=config.dtype)
        self._aux_pending = self._aux_warned = False
        self._global = None
        self.stats = None
        self.sent = self.received = None  # (P,) rows sent to / received from each rank

    @classmethod
    def from_moe(cls, moe: MoE, w: World | None = None) -> "ExpertParallelMoE":
        """This rank's part of a single-process ``nn.MoE``: the router and shared experts
        copied, the experts of ``expert_range`` sliced from its banks (copies: training
        one leaves the other unchanged). Build the same ``moe`` on every rank (same seed)."""
        layer = cls(moe.config, w)
        state = moe.state_dict()
        block = slice(layer.expert_range.start, layer.expert_range.stop)
        for key in state:
            if key.startswith("experts."):
                state[key] = state[key][block]
        layer.load_state_dict(state)
        return layer.train(moe.training)

    def sharded_parameters(self):
        """The parameters that live on this rank only (its experts)."""
        return self.experts.parameters()

    # ------------------------------------------------------------------ forward
    def forward(self, x: Tensor) -> Tensor:
        self.check_input_dtype(x, self.dtype)
        if x.ndim == 0 or x.shape[-1] != self.d_model:
            raise ShapeError(f"ExpertParallelMoE: input {fmt(x.shape)} must end in "
                             f"d_model={self.d_model}")
        recording = self.training and is_grad_enabled()
        if recording and self._aux_pending and not self._aux_warned:
            self._aux_warned = True
            warnings.warn(AuxLossWarning(
                f"{self.describe()}: the auxiliary loss of the previous training forward "
                "was never collected: loss = task_loss + model.aux_loss()"), stacklevel=3)
        h = x.reshape(-1, self.d_model)  # (T_r, D)
        routing = self.router(h)
        lse = routing.logits.logsumexp(dim=-1) if self.router.softmax else None
        self._global = self._gather_statistics(routing, h.shape[0], lse)
        keep = self._capacity_mask(routing, self._global["n_tokens"])
        if isinstance(self.router, DeepSeekRouter) and self.router.pending_load is not None:
            self.router.pending_load = self._global["counts"].sum(axis=(0, 1))  # global load
        token, expert, gate = routing.token, routing.expert, routing.gate
        if not keep.all():
            token, expert, gate = token[keep], expert[keep], gate[np.flatnonzero(keep)]
        y = self._run_experts(h, token, expert, gate)
        if self.shared is not None:
            n_tokens, n_shared = h.shape[0], self.shared.n_experts
            y = y + DISPATCH[self.dispatch](h, np.tile(np.arange(n_tokens), n_shared),
                                            np.repeat(np.arange(n_shared), n_tokens), None,
                                            self.shared)
        self._record_losses(routing, keep, lse)
        self._aux_pending = recording and self._aux.requires_grad
        return y.reshape(x.shape)

    def _gather_statistics(self, routing: Routing, n_tokens: int, lse) -> dict:
        """One Allgather of every rank's (tokens, (k, E) level counts, (E,) summed
        probabilities, summed lse^2) -> the global numbers (see the module docstring)."""
        n_experts = self.n_experts
        counts = plan.level_counts(routing.expert, n_experts, self.levels)
        z_sum = float((lse.data ** 2).sum()) if lse is not None else 0.0
        row = np.concatenate([[n_tokens], counts.reshape(-1),
                              routing.probs.data.sum(axis=0), [z_sum]]).astype(np.float64)
        table = allgather(self.world, row, "moe.stats")  # (P, 2 + k*E + E)
        n_counts = self.levels * n_experts
        return {
            "n_tokens": int(table[:, 0].sum()),
            "counts": table[:, 1:1 + n_counts].astype(np.int64).reshape(
                self.world.size, self.levels, n_experts),
            "prob_sum": table[:, 1 + n_counts:1 + n_counts + n_experts].sum(axis=0),
            "z_sum": table[:, -1].sum(),
        }

    def _capacity_mask(self, routing: Routing, n_tokens: int) -> np.ndarray:
        """Keep-mask (A,) of this rank's assignments under the global capacity rule."""
        if self.config.capacity_factor is None or not self.router.uses_capacity:
            return np.ones(len(routing.expert), dtype=bool)
        slots = expert_capacity(n_tokens, self.n_experts, self.top_k,
                                self.config.capacity_factor)
        return plan.capacity_keep(routing.expert, self._global["counts"], self.world.rank,
                                  slots)

    def _run_experts(self, h: Tensor, token, expert, gate) -> Tensor:
        """Dispatch the kept assignments to their experts' ranks, run the local experts,
        bring the results back and combine: h (T_r, D) -> (T_r, D)."""
        w = self.world
        order, counts = plan.exchange_plan(expert, self.n_experts, w.size)  # (P, E/P)
        recv_counts = alltoall(w, counts, "moe.counts")  # (P, E/P): from each source
        send, recv = counts.sum(axis=1), recv_counts.sum(axis=1)
        self.sent, self.received = send, recv
        token_sorted = token[order]
        rows = AllToAllRows.apply(GatherRows.apply(h, token_sorted), send, recv, w,
                                  "moe.dispatch")  # (R, D), grouped by source rank
        perm, offsets = plan.receive_layout(recv_counts)
        out = self.experts.grouped(GatherRows.apply(rows, perm), offsets)  # by local expert
        unperm = np.empty_like(perm)
        unperm[perm] = np.arange(len(perm))
        back = AllToAllRows.apply(GatherRows.apply(out, unperm), recv, send, w, "moe.combine")
        return Combine.apply(back, gate[order], token_sorted, h.shape[0])

    def _record_losses(self, routing: Routing, keep: np.ndarray, lse=None) -> None:
        """The aux loss (global value; gradient = P x this rank's share) and ``stats``."""
        config, g, size = self.config, self._global, self.world.size
        aux = zeros((), dtype=self.dtype)
        balance = z = None
        if self.router.balance_loss == "switch":
            routed = g["counts"].sum(axis=(0, 1))
            f = (routed / max(routed.sum(), 1)).astype(self.dtype)
            mean_prob = _global_mean(routing.probs.sum(dim=0), g["prob_sum"], g["n_tokens"],
                                     size)
            balance = (mean_prob * f).sum() * self.n_experts
            if config.aux_loss_coef:
                aux = balance * config.aux_loss_coef
        if lse is not None:
            z = _global_mean((lse * lse).sum(), g["z_sum"], g["n_tokens"], size)
            if config.z_loss_coef:
                aux = aux + z * config.z_loss_coef
        self._aux = aux
        self.stats = routing_stats(
            routing.probs.data, routing.token, routing.expert, routing.gate.data, keep,
            False, 0.0 if balance is None else balance.item(), 0.0 if z is None else z.item())

    def extra_repr(self) -> str:
        return (f"{super().extra_repr()}, rank={self.world.rank}/{self.world.size}, "
                f"experts={self.expert_range.start}..{self.expert_range.stop - 1}")


def expert_parallel(model: Module, w: World | None = None) -> Module:
    """Replace every ``nn.MoE`` inside ``model`` by its ``ExpertParallelMoE.from_moe``
    (in place; returns ``model``). Build the same model on every rank first."""
    w = w or world()
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if type(child) is MoE:
                setattr(module, name, ExpertParallelMoE.from_moe(child, w))
    return model
