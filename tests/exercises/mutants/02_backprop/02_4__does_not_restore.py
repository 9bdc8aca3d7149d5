"""mutant 02.4: leaves each entry at x - eps instead of restoring it."""

import numpy as np


def numerical_grad(f, x, eps=1e-6):
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        grad[i] = (f_plus - f(x)) / (2 * eps)
    return grad
