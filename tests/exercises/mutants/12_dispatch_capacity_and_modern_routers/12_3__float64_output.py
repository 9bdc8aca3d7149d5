"""mutant 12.3: y = np.zeros((T, D)) is float64 whatever the inputs' dtype."""

import numpy as np


def combine(values, gate, token, n_tokens, keep=None):
    weight = gate if keep is None else np.where(keep, gate, 0)
    y = np.zeros((n_tokens, values.shape[1]))
    np.add.at(y, token, weight[:, None] * values)
    return y
