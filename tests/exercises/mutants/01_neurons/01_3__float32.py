"""mutant 01.3: stable, but computes in float32 (loses half the digits)."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.float32)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
