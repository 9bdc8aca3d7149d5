"""mutant 12.4: reads grad_y row a for assignment a (np.resize to A rows), not row token[a]."""

import numpy as np


def combine_backward(grad_y, values, gate, token, keep=None):
    weight = gate if keep is None else np.where(keep, gate, 0)
    rows = np.resize(grad_y, values.shape)
    grad_gate = np.einsum("ad,ad->a", rows, values)
    if keep is not None:
        grad_gate = np.where(keep, grad_gate, 0)
    return weight[:, None] * rows, grad_gate
