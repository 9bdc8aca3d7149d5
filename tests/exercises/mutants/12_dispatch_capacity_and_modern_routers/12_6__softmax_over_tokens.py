"""mutant 12.6: the softmax normalises over the tokens (axis 0) instead of over the experts."""

import numpy as np


def expert_choice(logits, capacity):
    z = logits - logits.max(axis=0, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=0, keepdims=True)
    token = np.argsort(-p.T, axis=1, kind="stable")[:, :capacity]
    return token, np.take_along_axis(p.T, token, axis=1)
