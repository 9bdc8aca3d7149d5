"""mutant 02.4: restores by arithmetic (x[i] += eps; x[i] -= 2 eps; x[i] += eps), which
does not give back the exact float."""

import numpy as np


def numerical_grad(f, x, eps=1e-6):
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        x[i] += eps
        f_plus = f(x)
        x[i] -= 2 * eps
        f_minus = f(x)
        x[i] += eps
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
