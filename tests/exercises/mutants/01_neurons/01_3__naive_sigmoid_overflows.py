"""mutant 01.3: the textbook formula 1 / (1 + exp(-x)), which overflows for x < -709."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-x))
