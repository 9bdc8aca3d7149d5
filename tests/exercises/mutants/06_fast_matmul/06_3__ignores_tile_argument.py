"""mutant 06.3: the tile size is hard-coded to 64, ignoring the `tile` argument."""

import numpy as np


def matmul_blocked(a, b, tile=64):
    t = 64
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i0 in range(0, m, t):
        for k0 in range(0, kdim, t):
            for j0 in range(0, n, t):
                j1 = min(j0 + t, n)
                for i in range(i0, min(i0 + t, m)):
                    for k in range(k0, min(k0 + t, kdim)):
                        aik = a[i, k]
                        for j in range(j0, j1):
                            out[i, j] += aik * b[k, j]
    return out
