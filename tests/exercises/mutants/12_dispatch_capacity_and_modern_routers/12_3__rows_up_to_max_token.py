"""mutant 12.3: y gets token.max() + 1 rows, so trailing tokens with no assignment vanish."""

import numpy as np


def combine(values, gate, token, n_tokens, keep=None):
    weight = gate if keep is None else np.where(keep, gate, 0)
    y = np.zeros((token.max() + 1, values.shape[1]), values.dtype)
    np.add.at(y, token, weight[:, None] * values)
    return y
