"""mutant 02.2: caches z1 (before tanh) instead of h, so backward's 1 - h^2 is wrong."""

import numpy as np


def forward(params, x):
    z1 = x @ params["W1"].T + params["b1"]
    h = np.tanh(z1)
    return h @ params["W2"].T + params["b2"], (x, z1)
