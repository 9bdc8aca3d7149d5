"""alternative 14.7: the Gumbel-max trick, argmax(logits / T + Gumbel noise)."""

import numpy as np


def sample_next(logits, temperature=1.0, top_k=None, rng=None):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return np.argmax(logits, axis=1)
    rng = rng if rng is not None else np.random.default_rng()
    z = logits / temperature
    if top_k is not None:
        drop = np.argsort(-z, axis=1, kind="stable")[:, top_k:]
        z = z.copy()
        np.put_along_axis(z, drop, -np.inf, axis=1)
    return np.argmax(z + rng.gumbel(size=z.shape), axis=1)
