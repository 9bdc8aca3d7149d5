"""mutant 14.1: softmax first, then the future weights are zeroed (rows no longer sum to 1)."""

import math

import numpy as np


def attention_forward(q, k, v, causal=True):
    n = q.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    p = np.exp(scores - scores.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    if causal:
        p = np.where(np.triu(np.ones((n, n), dtype=bool), k=1), 0.0, p)
    return p @ v, (q, k, v, p)
