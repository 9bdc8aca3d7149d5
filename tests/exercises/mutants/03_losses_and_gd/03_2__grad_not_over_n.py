"""mutant 03.2: gradient sigmoid(z) - y, without the 1/N of the mean."""

import numpy as np


def bce_with_logits(z, y):
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return float(loss), p - y
