"""mutant 12.3: the keep-mask is ignored, so dropped assignments still add their output."""

import numpy as np


def combine(values, gate, token, n_tokens, keep=None):
    y = np.zeros((n_tokens, values.shape[1]), values.dtype)
    np.add.at(y, token, gate[:, None] * values)
    return y
