"""mutant 02.2: forgets the output bias b2."""

import numpy as np


def forward(params, x):
    h = np.tanh(x @ params["W1"].T + params["b1"])
    return h @ params["W2"].T, (x, h)
