"""alternative 06.2: (k, i, j) order; the inner loop still walks rows of B and C."""

import numpy as np


def matmul_ikj(a, b):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for k in range(kdim):
        for i in range(m):
            aik = a[i, k]
            for j in range(n):
                out[i, j] += aik * b[k, j]
    return out
