"""mutant 01.3: boolean masks that overwrite the caller's array in place."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    pos = x >= 0
    x[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    x[~pos] = e / (1 + e)
    return x
