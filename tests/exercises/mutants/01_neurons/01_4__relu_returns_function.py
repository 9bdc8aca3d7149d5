"""mutant 01.4: for relu returns max(z, 0), the activation itself, not its derivative."""

import numpy as np


def activation_grad(name, z):
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return np.maximum(z, 0)
    raise ValueError(f"activation_grad: unknown activation {name!r}")
