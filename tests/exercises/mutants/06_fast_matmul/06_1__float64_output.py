"""mutant 06.1: the output is np.zeros((M, N)) without a dtype, so float32 inputs give float64."""

import numpy as np


def matmul_naive(a, b):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            acc = 0.0
            for k in range(kdim):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc
    return out
