"""alternative 02.2: einsum, and the cache as a list."""

import numpy as np


def forward(params, x):
    h = np.tanh(np.einsum("nd,hd->nh", x, params["W1"]) + params["b1"])
    return np.einsum("nh,oh->no", h, params["W2"]) + params["b2"], [x, h]
