"""alternative 06.3: tile loops in (i0, j0, k0) order and plain indexing inside the tile."""

import numpy as np


def matmul_blocked(a, b, tile=64):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=a.dtype)
    for i0 in range(0, m, tile):
        i1 = min(i0 + tile, m)
        for j0 in range(0, n, tile):
            j1 = min(j0 + tile, n)
            for k0 in range(0, kdim, tile):
                k1 = min(k0 + tile, kdim)
                for i in range(i0, i1):
                    for k in range(k0, k1):
                        aik = a[i, k]
                        for j in range(j0, j1):
                            out[i, j] += aik * b[k, j]
    return out
