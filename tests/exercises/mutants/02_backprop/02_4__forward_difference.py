"""mutant 02.4: forward difference (f(x + eps) - f(x)) / eps: error O(eps), not O(eps^2)."""

import numpy as np


def numerical_grad(f, x, eps=1e-6):
    grad = np.zeros_like(x, dtype=np.float64)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - f0) / eps
        x[i] = old
    return grad
