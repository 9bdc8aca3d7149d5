"""mutant 12.6: argsort ascending: each expert takes its C LOWEST-scoring tokens."""

import numpy as np


def expert_choice(logits, capacity):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    token = np.argsort(p.T, axis=1, kind="stable")[:, :capacity]
    return token, np.take_along_axis(p.T, token, axis=1)
