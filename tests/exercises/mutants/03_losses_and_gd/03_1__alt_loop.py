"""alternative 03.1: a Python loop over the flattened elements."""

import numpy as np


def mse(pred, target):
    d = (np.asarray(pred, dtype=float) - target).ravel()
    total = 0.0
    for v in d:
        total += v * v
    return total / d.size, (2.0 / d.size) * (np.asarray(pred, dtype=float) - target)
