"""mutant 03.1: the sum of squared errors instead of the mean."""

import numpy as np


def mse(pred, target):
    diff = pred - target
    return float(np.sum(diff**2)), 2.0 * diff
