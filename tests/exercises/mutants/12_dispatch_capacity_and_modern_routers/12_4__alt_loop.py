"""alternative 12.4: one assignment at a time in a Python loop."""

import numpy as np


def combine_backward(grad_y, values, gate, token, keep=None):
    grad_values = np.zeros_like(values)
    grad_gate = np.zeros_like(gate)
    for a in range(len(token)):
        if keep is not None and not keep[a]:
            continue
        row = grad_y[token[a]]
        grad_values[a] = gate[a] * row
        grad_gate[a] = row @ values[a]
    return grad_values, grad_gate
