"""mutant 14.1: the softmax normalises over the queries (axis -2), not the keys."""

import math

import numpy as np


def attention_forward(q, k, v, causal=True):
    n = q.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if causal:
        scores = np.where(np.triu(np.ones((n, n), dtype=bool), k=1), -np.inf, scores)
    p = np.exp(scores - scores.max(axis=-2, keepdims=True))
    p /= p.sum(axis=-2, keepdims=True)
    return p @ v, (q, k, v, p)
