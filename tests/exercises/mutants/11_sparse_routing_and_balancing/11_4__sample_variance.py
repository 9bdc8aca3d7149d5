"""mutant 11.4: the sample variance (divide by E - 1) instead of the population variance."""

import numpy as np


def importance_loss(gates):
    n_experts = gates.shape[1]
    imp = gates.sum(axis=0)
    mean, var = imp.mean(), imp.var(ddof=1)
    dimp = 2.0 * (imp - mean) / ((n_experts - 1) * mean**2) - 2.0 * var / (n_experts * mean**3)
    return float(var / mean**2), np.broadcast_to(dimp, gates.shape).copy()
