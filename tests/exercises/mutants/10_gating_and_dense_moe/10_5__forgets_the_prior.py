"""mutant 10.5: leaves out the gate (the prior): only the likelihoods are normalised."""

import numpy as np


def responsibilities(g, h, y, sigma=1.0):
    s = -((y[:, None, :] - h) ** 2).sum(axis=2) / (2.0 * sigma**2)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
