"""mutant 10.2: averages the experts' outputs and ignores the gate (an equal-weight ensemble)."""

import numpy as np


def dense_moe_forward(x, params):
    g = softmax_gate(x, params["Wg"], params["bg"])
    h = np.einsum("nd,eod->neo", x, params["We"]) + params["be"]
    return h.mean(axis=1), g, h
