"""mutant 14.1: the causal mask also hides the diagonal (np.triu(k=0)): row 0 is all -inf."""

import math

import numpy as np


def attention_forward(q, k, v, causal=True):
    n = q.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if causal:
        scores = np.where(np.triu(np.ones((n, n), dtype=bool)), -np.inf, scores)
    with np.errstate(invalid="ignore"):
        p = np.exp(scores - scores.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
    return p @ v, (q, k, v, p)
