"""mutant 14.7: logits /= temperature in place: the caller's logits are changed."""

import numpy as np


def sample_next(logits, temperature=1.0, top_k=None, rng=None):
    if temperature == 0:
        return logits.argmax(axis=-1)
    rng = np.random.default_rng() if rng is None else rng
    logits /= temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = np.sort(logits, axis=-1)[:, -top_k][:, None]
        logits = np.where(logits >= kth, logits, -np.inf)
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    cdf = np.cumsum(p, axis=-1)
    u = rng.random((len(p), 1)) * cdf[:, -1:]
    return np.minimum((cdf <= u).sum(axis=-1), p.shape[-1] - 1)
