"""mutant 14.2: dv = p grad_out instead of p^T grad_out."""

import math

import numpy as np


def attention_backward(grad_out, cache):
    q, k, v, p = cache
    scale = 1.0 / math.sqrt(q.shape[-1])
    dp = grad_out @ np.swapaxes(v, -1, -2)
    ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
    return ds @ k * scale, np.swapaxes(ds, -1, -2) @ q * scale, p @ grad_out
