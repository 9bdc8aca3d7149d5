"""Balancing losses for routers. Each returns a scalar Tensor without its coefficient;
the ``MoE`` layer multiplies by ``aux_loss_coef`` / ``z_loss_coef``.

- ``switch_loss``: Switch Transformer (Fedus et al. 2022), ``E * sum_i f_i * P_i`` with
  ``f_i`` the fraction of routed assignments that went to expert i (not differentiable)
  and ``P_i`` the mean router probability of expert i (differentiable). It is 1 under
  uniform routing and reaches E when everything goes to one expert.
- ``importance_loss`` / ``load_loss``: Shazeer et al. 2017, the squared coefficient of
  variation ``CV^2 = Var / mean^2`` of each expert's summed gates (importance) and of its
  smooth expected token count (load, through the normal CDF of the router noise).
- ``z_loss``: ST-MoE (Zoph et al. 2022), ``mean(logsumexp(logits)^2)``: keeps router
  logits small, so the softmax stays in a numerically safe range.
"""

import math

import numpy as np

from tinymoe.autograd import Function
from tinymoe.backend import erf
from tinymoe.tensor import Tensor, where, zeros


def switch_loss(probs: Tensor, expert: np.ndarray) -> Tensor:
    """``E * sum_i f_i P_i`` for router probabilities probs (T, E) and the chosen expert of
    every assignment, expert (A,) int; 0 for an empty batch (T = 0)."""
    n_tokens, n_experts = probs.shape
    f = np.bincount(expert, minlength=n_experts) / max(len(expert), 1)  # (E,)
    mean_prob = probs.sum(dim=0) / max(n_tokens, 1)  # P_i; a sum, so T = 0 gives 0, not 0/0
    return (mean_prob * f.astype(probs.dtype)).sum() * n_experts


def cv_squared(x: Tensor, eps: float = 1e-10) -> Tensor:
    """``Var(x) / (mean(x)^2 + eps)`` with the population variance: 0 when all equal."""
    return x.var(correction=0) / (x.mean() * x.mean() + eps)


def importance_loss(gate: Tensor, expert: np.ndarray, n_experts: int) -> Tensor:
    """CV^2 of importance_i = sum of the gates of assignments to expert i."""
    importance = zeros(n_experts, dtype=gate.dtype).index_add(0, expert, gate)
    return cv_squared(importance)


class _NormalCDF(Function):
    """Phi(z) = (1 + erf(z / sqrt 2)) / 2, with derivative the normal density."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return 0.5 * (1.0 + erf(z / math.sqrt(2.0)))

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def load_loss(clean: Tensor, noisy: Tensor, noise_std: Tensor, k: int) -> Tensor:
    """CV^2 of Shazeer's smooth load: ``load_i = sum_t P(noisy logit of i stays in the
    top k when its noise is redrawn) = Phi((clean_ti - threshold_ti) / std_ti)``, where the
    threshold is the k-th largest noisy logit of the other experts. All (T, E); needs k < E."""
    if k >= clean.shape[1]:
        raise ValueError(f"load_loss: needs top_k < n_experts, got k={k} with "
                         f"{clean.shape[1]} experts")
    ranked = np.argsort(-noisy.data, axis=1, kind="stable")[:, :k + 1]
    kth = noisy.gather(1, ranked[:, k - 1:k])  # threshold for experts outside the top k
    next_ = noisy.gather(1, ranked[:, k:k + 1])  # threshold for experts inside it
    inside = noisy.data >= kth.data
    threshold = where(inside, next_, kth)  # broadcasts (T, 1) -> (T, E)
    prob_in = _NormalCDF.apply((clean - threshold) / noise_std)
    return cv_squared(prob_in.sum(dim=0))


def z_loss(logits: Tensor) -> Tensor:
    """``mean over tokens of logsumexp(logits)^2``, logits (T, E); 0 when T = 0."""
    lse = logits.logsumexp(dim=-1)
    return (lse * lse).sum() / max(logits.shape[0], 1)
