"""mutant 11.3: uses the mean probability P_i in place of the routed fraction f_i."""

import numpy as np


def switch_loss(probs, expert, alpha=0.01):
    n_tokens, n_experts = probs.shape
    P = probs.mean(axis=0)
    loss = alpha * n_experts * float(np.sum(P * P))
    return loss, np.broadcast_to(2 * alpha * n_experts * P / n_tokens, probs.shape).copy()
