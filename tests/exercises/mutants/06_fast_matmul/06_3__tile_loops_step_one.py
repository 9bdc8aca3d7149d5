"""mutant 06.3: the tile-start loops step by 1 instead of by `tile`, so tiles overlap and most
products are added several times."""

import numpy as np


def matmul_blocked(a, b, tile=64):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i0 in range(0, m, tile):
        for k0 in range(kdim):
            for j0 in range(0, n, tile):
                j1 = min(j0 + tile, n)
                for i in range(i0, min(i0 + tile, m)):
                    for k in range(k0, min(k0 + tile, kdim)):
                        aik = a[i, k]
                        for j in range(j0, j1):
                            out[i, j] += aik * b[k, j]
    return out
