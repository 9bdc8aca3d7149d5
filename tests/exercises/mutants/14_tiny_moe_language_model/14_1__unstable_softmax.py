"""mutant 14.1: exp of the raw scores (no max subtracted): overflow to inf / inf = NaN."""

import math

import numpy as np


def attention_forward(q, k, v, causal=True):
    n = q.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if causal:
        scores = np.where(np.triu(np.ones((n, n), dtype=bool), k=1), -np.inf, scores)
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    return p @ v, (q, k, v, p)
