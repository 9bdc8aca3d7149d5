"""mutant 10.5: g exp(-err / 2 sigma^2) / sum, computed directly: 0 / 0 for large errors."""

import numpy as np


def responsibilities(g, h, y, sigma=1.0):
    err = ((y[:, None, :] - h) ** 2).sum(axis=2)
    w = g * np.exp(-err / (2.0 * sigma**2))
    return w / w.sum(axis=1, keepdims=True)
