"""mutant 10.2: weights expert outputs with the gate transposed over the output axis."""

import numpy as np


def dense_moe_forward(x, params):
    g = softmax_gate(x, params["Wg"], params["bg"])
    h = np.einsum("nd,eod->neo", x, params["We"]) + params["be"]
    return (h * g.mean(axis=0)[None, :, None]).sum(axis=1), g, h
