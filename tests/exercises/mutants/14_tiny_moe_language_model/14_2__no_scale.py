"""mutant 14.2: dq and dk forget the forward's 1/sqrt(D)."""

import numpy as np


def attention_backward(grad_out, cache):
    q, k, v, p = cache
    dv = np.swapaxes(p, -1, -2) @ grad_out
    dp = grad_out @ np.swapaxes(v, -1, -2)
    ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
    return ds @ k, np.swapaxes(ds, -1, -2) @ q, dv
