"""alternative 12.3: sort the weighted rows by token and sum each token's contiguous
segment with np.add.reduceat."""

import numpy as np


def combine(values, gate, token, n_tokens, keep=None):
    weight = gate if keep is None else np.where(keep, gate, 0)
    y = np.zeros((n_tokens, values.shape[1]), values.dtype)
    if len(token) == 0:
        return y
    order = np.argsort(token, kind="stable")
    rows = (weight[:, None] * values)[order]
    sorted_token = token[order]
    starts = np.flatnonzero(np.r_[True, sorted_token[1:] != sorted_token[:-1]])
    y[sorted_token[starts]] = np.add.reduceat(rows, starts, axis=0)
    return y
