"""mutant 10.1: leaves the gate bias bg out of the logits."""

import numpy as np


def softmax_gate(x, Wg, bg):
    z = x @ Wg.T
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
