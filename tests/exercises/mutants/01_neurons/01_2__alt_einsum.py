"""alternative 01.2: einsum, with the checks written one by one."""

import numpy as np


def dense_forward(x, W, b):
    x, W, b = np.asarray(x), np.asarray(W), np.asarray(b)
    if x.ndim != 2 or W.ndim != 2:
        raise ValueError(f"dense_forward: x {x.shape} and W {W.shape} must both be 2-D")
    if W.shape[1] != x.shape[1]:
        raise ValueError(f"dense_forward: W {W.shape} needs {x.shape[1]} columns for x {x.shape}")
    if b.shape != (W.shape[0],):
        raise ValueError(f"dense_forward: b {b.shape} must be ({W.shape[0]},) for W {W.shape}")
    return np.einsum("nd,od->no", x, W) + b
