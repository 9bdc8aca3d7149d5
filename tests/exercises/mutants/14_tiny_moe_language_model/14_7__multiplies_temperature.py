"""mutant 14.7: the logits are multiplied by the temperature instead of divided."""

import numpy as np


def sample_next(logits, temperature=1.0, top_k=None, rng=None):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return logits.argmax(axis=-1)
    rng = np.random.default_rng() if rng is None else rng
    z = logits * temperature
    if top_k is not None:
        kth = np.sort(z, axis=-1)[:, -top_k][:, None]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(len(row), p=row) for row in p])
