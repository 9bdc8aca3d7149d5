"""alternative 14.1: einsum, a -1e30 fill instead of -inf, and a loop-free logsumexp."""

import math

import numpy as np


def attention_forward(q, k, v, causal=True):
    n = q.shape[-2]
    scores = np.einsum("...id,...jd->...ij", q, k) / math.sqrt(q.shape[-1])
    if causal:
        scores = scores.copy()
        scores[..., np.triu_indices(n, 1)[0], np.triu_indices(n, 1)[1]] = -1e30
    top = scores.max(axis=-1, keepdims=True)
    log_z = top + np.log(np.exp(scores - top).sum(axis=-1, keepdims=True))
    p = np.exp(scores - log_z)
    return np.einsum("...ij,...jd->...id", p, v), (q, k, v, p)
