"""mutant 14.1: the scores are not divided by sqrt(D)."""

import numpy as np


def attention_forward(q, k, v, causal=True):
    n = q.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2)
    if causal:
        scores = np.where(np.triu(np.ones((n, n), dtype=bool), k=1), -np.inf, scores)
    p = np.exp(scores - scores.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return p @ v, (q, k, v, p)
