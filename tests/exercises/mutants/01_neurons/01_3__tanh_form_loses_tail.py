"""mutant 01.3: (1 + tanh(x / 2)) / 2: no overflow, but tiny values round to exactly 0."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * x))
