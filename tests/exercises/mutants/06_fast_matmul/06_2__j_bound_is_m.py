"""mutant 06.2: the inner j loop runs to M (a.shape[0]) instead of N: right only when M == N."""

import numpy as np


def matmul_ikj(a, b):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        for k in range(kdim):
            aik = a[i, k]
            for j in range(m):
                out[i, j] += aik * b[k, j]
    return out
