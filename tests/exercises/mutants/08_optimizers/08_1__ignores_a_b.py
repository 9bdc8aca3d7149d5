"""mutant 08.1: the gradient uses the default a = 1, b = 100 instead of the arguments."""

import numpy as np


def rosenbrock(p, a=1.0, b=100.0):
    p = np.asarray(p, dtype=float)
    x, y = p[..., 0], p[..., 1]
    f = (a - x) ** 2 + b * (y - x**2) ** 2
    grad = np.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], axis=-1)
    return f, grad
