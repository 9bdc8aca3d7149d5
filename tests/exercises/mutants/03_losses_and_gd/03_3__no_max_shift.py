"""mutant 03.3: exp(z) / sum exp(z) without subtracting the max: overflows at 1e3."""

import numpy as np


def softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
