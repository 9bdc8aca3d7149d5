"""mutant 01.5: its own table of activations, which forgets sigmoid."""

import numpy as np


def mlp_forward(x, layers, activation="relu"):
    act = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}.get(activation, np.tanh)
    h = x
    for k, (W, b) in enumerate(layers):
        h = h @ W.T + b
        if k < len(layers) - 1:
            h = act(h)
    return h
