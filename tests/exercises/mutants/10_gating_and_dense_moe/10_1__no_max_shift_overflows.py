"""mutant 10.1: exponentiates the raw logits, which overflows for logits near 1e4."""

import numpy as np


def softmax_gate(x, Wg, bg):
    e = np.exp(x @ Wg.T + bg)
    return e / e.sum(axis=1, keepdims=True)
