"""mutant 03.3: subtracts the max of the whole array, not each row's: a row far below the
top one underflows to 0 / 0."""

import numpy as np


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)
