"""mutant 11.3: counts with np.bincount(expert) without minlength, so experts after the last
chosen one are missing from f."""

import numpy as np


def switch_loss(probs, expert, alpha=0.01):
    n_tokens, n_experts = probs.shape
    f = np.bincount(expert) / n_tokens
    loss = alpha * n_experts * float(np.sum(f * probs.mean(axis=0)))
    return loss, np.broadcast_to(alpha * n_experts * f / n_tokens, probs.shape).copy()
