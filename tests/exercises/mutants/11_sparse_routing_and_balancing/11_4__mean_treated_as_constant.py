"""mutant 11.4: differentiates Var / mean^2 as if the mean did not depend on the gates."""

import numpy as np


def importance_loss(gates):
    n_experts = gates.shape[1]
    imp = gates.sum(axis=0)
    mean, var = imp.mean(), imp.var()
    dimp = 2.0 * (imp - mean) / (n_experts * mean**2)
    return float(var / mean**2), np.broadcast_to(dimp, gates.shape).copy()
