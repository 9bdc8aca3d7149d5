"""mutant 10.2: weights every row with the batch-average gate g.mean(axis=0), not its own g(x)."""

import numpy as np


def dense_moe_forward(x, params):
    g = softmax_gate(x, params["Wg"], params["bg"])
    h = np.einsum("nd,eod->neo", x, params["We"]) + params["be"]
    return (h * g.mean(axis=0)[None, :, None]).sum(axis=1), g, h
