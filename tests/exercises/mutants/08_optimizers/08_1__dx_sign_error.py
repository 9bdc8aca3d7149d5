"""mutant 08.1: df/dx = -2 (a - x) + 4 b x (y - x^2): the inner derivative -2x lost its sign."""

import numpy as np


def rosenbrock(p, a=1.0, b=100.0):
    p = np.asarray(p, dtype=float)
    x, y = p[..., 0], p[..., 1]
    f = (a - x) ** 2 + b * (y - x**2) ** 2
    grad = np.stack([-2 * (a - x) + 4 * b * x * (y - x**2), 2 * b * (y - x**2)], axis=-1)
    return f, grad
