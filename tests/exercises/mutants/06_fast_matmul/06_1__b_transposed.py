"""mutant 06.1: reads b[j, k] instead of b[k, j]."""

import numpy as np


def matmul_naive(a, b):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        for j in range(n):
            acc = out[i, j]
            for k in range(kdim):
                acc += a[i, k] * b[j, k]
            out[i, j] = acc
    return out
