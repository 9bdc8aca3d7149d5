"""mutant 01.4: relu'(0) = 1 (z >= 0), against the documented convention 0."""

import numpy as np


def activation_grad(name, z):
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z >= 0).astype(np.float64)
    raise ValueError(f"activation_grad: unknown activation {name!r}")
