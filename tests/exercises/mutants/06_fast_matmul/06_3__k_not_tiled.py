"""mutant 06.3: only i and j are tiled; k runs over all of K inside, so the block of B that the
inner loops touch is K x tile, not tile x tile, and falls out of cache."""

import numpy as np


def matmul_blocked(a, b, tile=64):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i0 in range(0, m, tile):
        for j0 in range(0, n, tile):
            j1 = min(j0 + tile, n)
            for i in range(i0, min(i0 + tile, m)):
                for k in range(kdim):
                    aik = a[i, k]
                    for j in range(j0, j1):
                        out[i, j] += aik * b[k, j]
    return out
