"""mutant 11.3: gradient alpha E f_i, forgetting that P_i is a mean over T tokens."""

import numpy as np


def switch_loss(probs, expert, alpha=0.01):
    n_tokens, n_experts = probs.shape
    f = np.bincount(expert, minlength=n_experts) / n_tokens
    loss = alpha * n_experts * float(np.sum(f * probs.mean(axis=0)))
    return loss, np.broadcast_to(alpha * n_experts * f, probs.shape).copy()
