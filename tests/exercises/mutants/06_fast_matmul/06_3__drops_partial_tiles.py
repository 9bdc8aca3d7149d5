"""mutant 06.3: tile starts run over range(0, size - tile + 1, tile), so the leftover rows,
columns and k terms past the last full tile are never computed."""

import numpy as np


def matmul_blocked(a, b, tile=64):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i0 in range(0, m - tile + 1, tile):
        for k0 in range(0, kdim - tile + 1, tile):
            for j0 in range(0, n - tile + 1, tile):
                for i in range(i0, i0 + tile):
                    for k in range(k0, k0 + tile):
                        aik = a[i, k]
                        for j in range(j0, j0 + tile):
                            out[i, j] += aik * b[k, j]
    return out
