"""mutant 12.4: grad_values = grad_y[token], forgetting the gate factor."""

import numpy as np


def combine_backward(grad_y, values, gate, token, keep=None):
    rows = grad_y[token]
    grad_values = rows.copy()
    grad_gate = np.einsum("ad,ad->a", rows, values)
    if keep is not None:
        grad_values[~keep] = 0
        grad_gate = np.where(keep, grad_gate, 0)
    return grad_values, grad_gate
