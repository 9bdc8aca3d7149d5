"""mutant 01.4: tanh'(z) = 1 - z^2 (squares the input, not the output)."""

import numpy as np


def activation_grad(name, z):
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        s = sigmoid(z)  # noqa: F821 (defined by the reference file this is appended to)
        return s * (1 - s)
    if name == "tanh":
        return 1 - z**2
    if name == "relu":
        return (z > 0).astype(np.float64)
    raise ValueError(f"activation_grad: unknown activation {name!r}")
