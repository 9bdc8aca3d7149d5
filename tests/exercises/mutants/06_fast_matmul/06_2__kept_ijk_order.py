"""mutant 06.2: kept rung 1's (i, j, k) order, so the inner loop walks down a column of B."""

import numpy as np


def matmul_ikj(a, b):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        for j in range(n):
            for k in range(kdim):
                out[i, j] += a[i, k] * b[k, j]
    return out
