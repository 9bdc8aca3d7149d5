"""mutant 12.4: dropped assignments still get gradients (the keep-mask is ignored)."""

import numpy as np


def combine_backward(grad_y, values, gate, token, keep=None):
    rows = grad_y[token]
    return gate[:, None] * rows, np.einsum("ad,ad->a", rows, values)
