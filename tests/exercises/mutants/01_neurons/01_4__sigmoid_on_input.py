"""mutant 01.4: sigmoid'(z) = z (1 - z) (the formula for the output, applied to the input)."""

import numpy as np


def activation_grad(name, z):
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        return z * (1 - z)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(np.float64)
    raise ValueError(f"activation_grad: unknown activation {name!r}")
