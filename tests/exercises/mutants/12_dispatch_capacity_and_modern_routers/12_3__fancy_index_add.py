"""mutant 12.3: y[token] += gate * values, where a repeated token keeps only the last row."""

import numpy as np


def combine(values, gate, token, n_tokens, keep=None):
    weight = gate if keep is None else np.where(keep, gate, 0)
    y = np.zeros((n_tokens, values.shape[1]), values.dtype)
    y[token] += weight[:, None] * values
    return y
