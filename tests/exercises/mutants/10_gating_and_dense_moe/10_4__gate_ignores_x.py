"""mutant 10.4: the weights are softmax(gate_b) for every input, seed 002's fixed ensemble."""

import numpy as np


def sigmoid_mixture(x, thetas, gate_W, gate_b):
    w = np.exp(gate_b - gate_b.max())
    w = w / w.sum()
    return sigmoid(x @ thetas.T) @ w
