"""mutant 02.4: uses a fixed step 1e-5 whatever eps the caller passes."""

import numpy as np


def numerical_grad(f, x, eps=1e-6):
    h = 1e-5
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
