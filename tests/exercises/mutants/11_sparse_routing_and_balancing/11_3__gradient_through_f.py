"""mutant 11.3: product rule through f_i as if it were differentiable: (f_i + P_i) in the
gradient."""

import numpy as np


def switch_loss(probs, expert, alpha=0.01):
    n_tokens, n_experts = probs.shape
    f = np.bincount(expert, minlength=n_experts) / n_tokens
    P = probs.mean(axis=0)
    loss = alpha * n_experts * float(np.sum(f * P))
    return loss, np.broadcast_to(alpha * n_experts * (f + P) / n_tokens, probs.shape).copy()
