"""mutant 11.3: alpha * sum f_i P_i without the factor E (1/E under perfect balance)."""

import numpy as np


def switch_loss(probs, expert, alpha=0.01):
    n_tokens, n_experts = probs.shape
    f = np.bincount(expert, minlength=n_experts) / n_tokens
    loss = alpha * float(np.sum(f * probs.mean(axis=0)))
    return loss, np.broadcast_to(alpha * f / n_tokens, probs.shape).copy()
