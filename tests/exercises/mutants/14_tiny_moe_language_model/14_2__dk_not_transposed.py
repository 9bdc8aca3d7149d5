"""mutant 14.2: dk = ds q instead of ds^T q."""

import math

import numpy as np


def attention_backward(grad_out, cache):
    q, k, v, p = cache
    scale = 1.0 / math.sqrt(q.shape[-1])
    dv = np.swapaxes(p, -1, -2) @ grad_out
    dp = grad_out @ np.swapaxes(v, -1, -2)
    ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
    return ds @ k * scale, ds @ q * scale, dv
