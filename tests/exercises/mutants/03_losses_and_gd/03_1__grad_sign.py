"""mutant 03.1: gradient with the sign flipped: 2 (target - pred) / size."""

import numpy as np


def mse(pred, target):
    diff = pred - target
    return float(np.mean(diff**2)), -2.0 * diff / diff.size
