"""mutant 10.2: the experts leave out their biases be."""

import numpy as np


def dense_moe_forward(x, params):
    g = softmax_gate(x, params["Wg"], params["bg"])
    h = np.einsum("nd,eod->neo", x, params["We"])
    return np.einsum("ne,neo->no", g, h), g, h
