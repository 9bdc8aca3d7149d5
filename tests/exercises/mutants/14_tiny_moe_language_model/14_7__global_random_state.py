"""mutant 14.7: draws with np.random.choice (the global state), ignoring rng."""

import numpy as np


def sample_next(logits, temperature=1.0, top_k=None, rng=None):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return logits.argmax(axis=-1)
    z = logits / temperature
    if top_k is not None:
        kth = np.sort(z, axis=-1)[:, -top_k][:, None]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return np.array([np.random.choice(len(row), p=row) for row in p])  # noqa: NPY002
