"""mutant 14.2: the softmax backward as p * dp (the diagonal of the Jacobian only)."""

import math

import numpy as np


def attention_backward(grad_out, cache):
    q, k, v, p = cache
    scale = 1.0 / math.sqrt(q.shape[-1])
    dv = np.swapaxes(p, -1, -2) @ grad_out
    ds = p * (grad_out @ np.swapaxes(v, -1, -2))
    return ds @ k * scale, np.swapaxes(ds, -1, -2) @ q * scale, dv
