"""mutant 02.4: perturbs a copy of x, so an f that reads x through a closure (as
grad_check's loss does) never sees the change."""

import numpy as np


def numerical_grad(f, x, eps=1e-6):
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (f(xp) - f(xm)) / (2 * eps)
    return grad
