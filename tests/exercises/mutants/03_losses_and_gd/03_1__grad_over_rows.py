"""mutant 03.1: divides the gradient by the number of rows, not the number of elements."""

import numpy as np


def mse(pred, target):
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / len(diff)
