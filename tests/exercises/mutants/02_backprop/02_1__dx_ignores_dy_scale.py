"""mutant 02.1: dx = sign(dy) W: passes a gradient of +-1 back instead of dy itself."""

import numpy as np


def linear_backward(x, W, dy):
    return np.sign(dy) @ W, dy.T @ x, dy.sum(axis=0)
