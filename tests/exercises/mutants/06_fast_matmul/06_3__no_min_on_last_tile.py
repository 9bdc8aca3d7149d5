"""mutant 06.3: the element loops run to start + tile without min(): wrong when a size is not a
multiple of the tile."""

import numpy as np


def matmul_blocked(a, b, tile=64):
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i0 in range(0, m, tile):
        for k0 in range(0, kdim, tile):
            for j0 in range(0, n, tile):
                for i in range(i0, i0 + tile):
                    for k in range(k0, k0 + tile):
                        aik = a[i, k]
                        for j in range(j0, j0 + tile):
                            out[i, j] += aik * b[k, j]
    return out
