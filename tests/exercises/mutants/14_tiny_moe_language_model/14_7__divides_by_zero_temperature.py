"""mutant 14.7: no greedy case: temperature 0 divides by zero (NaN probabilities)."""

import numpy as np


def sample_next(logits, temperature=1.0, top_k=None, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    with np.errstate(all="ignore"):
        z = np.asarray(logits, dtype=np.float64) / temperature
        if top_k is not None:
            kth = np.sort(z, axis=-1)[:, -top_k][:, None]
            z = np.where(z >= kth, z, -np.inf)
        p = np.exp(z - z.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
    cdf = np.cumsum(p, axis=-1)
    return np.minimum((cdf <= rng.random((len(p), 1))).sum(axis=-1), p.shape[-1] - 1)
