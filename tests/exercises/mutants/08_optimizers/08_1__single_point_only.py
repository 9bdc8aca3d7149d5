"""mutant 08.1: unpacks x, y = p (the FIRST axis), which only works for a single point (2,)."""

import numpy as np


def rosenbrock(p, a=1.0, b=100.0):
    x, y = np.asarray(p, dtype=float)
    f = (a - x) ** 2 + b * (y - x**2) ** 2
    grad = np.array([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)])
    return f, grad
