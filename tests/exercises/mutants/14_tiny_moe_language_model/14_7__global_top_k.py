"""mutant 14.7: the top-k threshold is taken over the whole batch, not per row."""

import numpy as np


def sample_next(logits, temperature=1.0, top_k=None, rng=None):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return logits.argmax(axis=-1)
    rng = np.random.default_rng() if rng is None else rng
    z = logits / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z, axis=None)[-top_k], z, -np.inf)
    with np.errstate(invalid="ignore"):
        p = np.exp(z - z.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
    p = np.where(np.isnan(p), 1.0 / p.shape[-1], p)
    return np.array([rng.choice(len(row), p=row) for row in p])
