"""mutant 12.5: multiplies by w[e] instead of w[e].T (reads w[e, kk, j] as if w were (E, K, N))."""

import numpy as np


def grouped_matmul(x, w, offsets):
    n_rows, kdim = x.shape
    n_out = w.shape[1]
    out = np.zeros((n_rows, n_out), x.dtype)
    for e in range(w.shape[0]):
        for i in range(offsets[e], offsets[e + 1]):
            for j in range(n_out):
                acc = out[i, j]
                for kk in range(kdim):
                    acc += x[i, kk] * w[e, kk, j]
                out[i, j] = acc
    return out
