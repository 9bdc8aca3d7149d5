"""mutant 06.2: out[i, j] = a[i, k] * b[k, j] (assignment) keeps only the last k's term."""

import numpy as np


def matmul_ikj(a, b):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        for k in range(kdim):
            aik = a[i, k]
            for j in range(n):
                out[i, j] = aik * b[k, j]
    return out
