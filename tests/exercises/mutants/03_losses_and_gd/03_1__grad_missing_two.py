"""mutant 03.1: gradient (pred - target) / size, forgetting the 2 from the square."""

import numpy as np


def mse(pred, target):
    diff = pred - target
    return float(np.mean(diff**2)), diff / diff.size
