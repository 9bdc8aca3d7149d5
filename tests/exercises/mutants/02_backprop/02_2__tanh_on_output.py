"""mutant 02.2: tanh after the output layer too."""

import numpy as np


def forward(params, x):
    h = np.tanh(x @ params["W1"].T + params["b1"])
    return np.tanh(h @ params["W2"].T + params["b2"]), (x, h)
