"""mutant 11.4: sums each token's gates (axis 1) instead of each expert's (axis 0)."""

import numpy as np


def importance_loss(gates):
    imp = gates.sum(axis=1)
    n = len(imp)
    mean, var = imp.mean(), imp.var()
    dimp = 2.0 * (imp - mean) / (n * mean**2) - 2.0 * var / (n * mean**3)
    return float(var / mean**2), np.broadcast_to(dimp[:, None], gates.shape).copy()
