"""mutant 12.6: softmax without subtracting the row max, which overflows for large logits."""

import numpy as np


def expert_choice(logits, capacity):
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    token = np.argsort(-p.T, axis=1, kind="stable")[:, :capacity]
    return token, np.take_along_axis(p.T, token, axis=1)
