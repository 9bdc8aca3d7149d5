"""alternative 12.5: loops ordered e, i, kk, j (row i of out += x[i, kk] * column kk of w[e])."""

import numpy as np


def grouped_matmul(x, w, offsets):
    n_rows, kdim = x.shape
    n_out = w.shape[1]
    out = np.zeros((n_rows, n_out), x.dtype)
    for e in range(w.shape[0]):
        for i in range(offsets[e], offsets[e + 1]):
            for kk in range(kdim):
                xik = x[i, kk]
                for j in range(n_out):
                    out[i, j] += xik * w[e, j, kk]
    return out
