"""mutant 06.1: the k loop runs to b.shape[1] (N) instead of a.shape[1] (K): square only."""

import numpy as np


def matmul_naive(a, b):
    m = a.shape[0]
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        for j in range(n):
            acc = out[i, j]
            for k in range(n):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc
    return out
