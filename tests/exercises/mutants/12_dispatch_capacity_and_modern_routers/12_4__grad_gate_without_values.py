"""mutant 12.4: grad_gate sums grad_y's row, forgetting to multiply by the values."""

import numpy as np


def combine_backward(grad_y, values, gate, token, keep=None):
    weight = gate if keep is None else np.where(keep, gate, 0)
    rows = grad_y[token]
    grad_gate = rows.sum(axis=1)
    if keep is not None:
        grad_gate = np.where(keep, grad_gate, 0)
    return weight[:, None] * rows, grad_gate
