"""mutant 08.1: df/dx = -(a - x) - 4 b x (y - x^2): the chain rule's 2 on the first term lost."""

import numpy as np


def rosenbrock(p, a=1.0, b=100.0):
    p = np.asarray(p, dtype=float)
    x, y = p[..., 0], p[..., 1]
    f = (a - x) ** 2 + b * (y - x**2) ** 2
    grad = np.stack([-(a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)], axis=-1)
    return f, grad
