"""mutant 06.2: np.zeros((M, N)) without a dtype: float32 inputs give a float64 result."""

import numpy as np


def matmul_ikj(a, b):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n))
    for i in range(m):
        for k in range(kdim):
            aik = a[i, k]
            for j in range(n):
                out[i, j] += aik * b[k, j]
    return out
