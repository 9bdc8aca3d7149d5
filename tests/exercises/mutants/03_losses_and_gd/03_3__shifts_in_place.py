"""mutant 03.3: subtracts the max in place (z -= ...), changing the caller's array."""

import numpy as np


def softmax(z):
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
