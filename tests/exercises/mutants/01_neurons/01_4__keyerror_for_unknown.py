"""mutant 01.4: a dict lookup: an unknown name raises KeyError, not ValueError."""

import numpy as np


def activation_grad(name, z):
    z = np.asarray(z, dtype=np.float64)
    t = np.tanh(z)
    s = 0.5 * (1 + np.tanh(z / 2))
    grads = {"sigmoid": s * (1 - s), "tanh": 1 - t**2, "relu": (z > 0).astype(np.float64)}
    return grads[name]
