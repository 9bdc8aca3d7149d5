"""mutant 01.3: boolean masks into np.zeros_like(x): integer input gives integer output."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x)
    out = np.zeros_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1 + e)
    return out
