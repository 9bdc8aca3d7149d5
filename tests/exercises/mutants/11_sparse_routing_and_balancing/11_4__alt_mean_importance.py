"""alternative 11.4: importance as the MEAN gate per expert (CV^2 is scale-invariant), with the
gradient written through the quotient rule on sum of squares."""

import numpy as np


def importance_loss(gates):
    n_tokens, n_experts = gates.shape
    imp = gates.mean(axis=0)
    s1, s2 = imp.sum(), (imp**2).sum()
    # CV^2 = E s2 / s1^2 - 1 for the population variance
    loss = n_experts * s2 / s1**2 - 1.0
    dimp = n_experts * (2.0 * imp / s1**2 - 2.0 * s2 / s1**3)
    return float(loss), np.tile(dimp / n_tokens, (n_tokens, 1))
