"""mutant 01.1: sums over the whole batch (one number) instead of one sum per row."""

import numpy as np


def neuron(x, w, b):
    return np.sum(x * w) + b
