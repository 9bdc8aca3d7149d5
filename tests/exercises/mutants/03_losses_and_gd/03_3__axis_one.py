"""mutant 03.3: normalises along axis 1 (right for 2-D input only), not the last axis."""

import numpy as np


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
