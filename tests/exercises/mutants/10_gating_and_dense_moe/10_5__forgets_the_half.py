"""mutant 10.5: exponent -err / sigma^2, missing the 1/2 of the Gaussian log-likelihood."""

import numpy as np


def responsibilities(g, h, y, sigma=1.0):
    s = np.log(g) - ((y[:, None, :] - h) ** 2).sum(axis=2) / sigma**2
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
