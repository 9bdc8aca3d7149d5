"""mutant 06.1: the accumulator is reset once per row i, not once per output C[i, j]."""

import numpy as np


def matmul_naive(a, b):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        acc = out[i, 0] if n else 0.0
        for j in range(n):
            for k in range(kdim):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc
    return out
