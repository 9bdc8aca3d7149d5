"""mutant 11.4: returns the coefficient of variation std / mean, not its square."""

import numpy as np


def importance_loss(gates):
    n_experts = gates.shape[1]
    imp = gates.sum(axis=0)
    mean, std = imp.mean(), imp.std()
    dstd = (imp - mean) / (n_experts * std) if std > 0 else np.zeros_like(imp)
    dimp = dstd / mean - std / (n_experts * mean**2)
    return float(std / mean), np.broadcast_to(dimp, gates.shape).copy()
