"""Routing diagnostics of one forward pass: ``MoE.stats`` is a ``MoEStats``."""

from dataclasses import dataclass, field

import numpy as np


@dataclass(eq=False, repr=False)
class MoEStats:
    """What the router did on the last call (arrays are NumPy, scalars Python floats).
    Printing it gives a short summary; ``plot()`` draws it.

    tokens_per_expert (E,): assignments each expert processed (after capacity drops).
    load (E,): f_i, the fraction of the router's choices that went to expert i (before
        drops; sums to 1). max_load_ratio = max_i f_i / mean_i f_i (1 = balanced, E =
        collapsed onto one expert); dead_experts: how many got no choice at all.
    mean_prob (E,): P_i, the mean router probability of expert i.
    router_entropy: mean over tokens of -sum_i p_i log p_i (nats; log E = uniform).
    drop_rate: dropped / routed assignments (capacity); for expert choice, the fraction
        of tokens that no expert picked.
    aux_loss, z_loss: the coefficient-free balancing loss of the router (0 if it has
        none) and the router z-loss.
    gates (T, E): the combine weight each token gave each expert (0 = not used).
    """

    tokens_per_expert: np.ndarray
    load: np.ndarray
    mean_prob: np.ndarray
    router_entropy: float
    drop_rate: float
    aux_loss: float
    z_loss: float
    gates: np.ndarray = field(repr=False)

    @property
    def max_load_ratio(self) -> float:
        return float(self.load.max() * len(self.load))

    @property
    def dead_experts(self) -> int:
        return int((self.load == 0).sum())

    def __repr__(self) -> str:
        n_tokens, n_experts = self.gates.shape
        return (f"MoEStats({n_tokens} tokens, {n_experts} experts: tokens_per_expert="
                f"{self.tokens_per_expert.tolist()}, max_load_ratio={self.max_load_ratio:.3g}, "
                f"dead_experts={self.dead_experts}, router_entropy={self.router_entropy:.3g}, "
                f"drop_rate={self.drop_rate:.3g}, aux_loss={self.aux_loss:.4g}, "
                f"z_loss={self.z_loss:.4g})")

    def plot(self, max_tokens: int = 64):
        """A matplotlib ``Figure``: tokens per expert (bars, the mean as a line) beside
        the gates of the first ``max_tokens`` tokens (``tinymoe.moe.viz.plot_stats``)."""
        from tinymoe.moe.viz import plot_stats

        return plot_stats(self, max_tokens)


def routing_stats(probs: np.ndarray, token: np.ndarray, expert: np.ndarray, gate: np.ndarray,
                  keep: np.ndarray, expert_choice: bool, aux_loss: float,
                  z_loss: float) -> MoEStats:
    """Stats from router probs (T, E) and the routed assignments token, expert, gate (A,)
    with their keep-mask (A,) bool."""
    n_tokens, n_experts = probs.shape
    routed = np.bincount(expert, minlength=n_experts)
    kept = np.bincount(expert[keep], minlength=n_experts)
    gates = np.zeros((n_tokens, n_experts), probs.dtype)
    np.add.at(gates, (token[keep], expert[keep]), gate[keep])
    per_token = max(n_tokens, 1)  # sums / per_token: an empty batch gives 0, not 0 / 0
    entropy = -(probs * np.log(np.clip(probs, 1e-30, None))).sum() / per_token
    if expert_choice:
        drop_rate = (n_tokens - len(np.unique(token[keep]))) / per_token
    else:
        drop_rate = (len(keep) - keep.sum()) / max(len(keep), 1)
    return MoEStats(
        tokens_per_expert=kept,
        load=routed / max(routed.sum(), 1),
        mean_prob=probs.sum(axis=0) / per_token,
        router_entropy=float(entropy) + 0.0,  # + 0.0: no -0.0 for an empty batch
        drop_rate=float(drop_rate),
        aux_loss=float(aux_loss),
        z_loss=float(z_loss),
        gates=gates,
    )
