"""mutant 03.1: averages over the batch axis only, returning one loss per column."""

import numpy as np


def mse(pred, target):
    diff = pred - target
    return np.mean(diff**2, axis=0), 2.0 * diff / diff.size
