"""mutant 12.5: out = np.zeros((A, N)) is float64 even for float32 inputs."""

import numpy as np


def grouped_matmul(x, w, offsets):
    n_rows, kdim = x.shape
    n_out = w.shape[1]
    out = np.zeros((n_rows, n_out))
    for e in range(w.shape[0]):
        for i in range(offsets[e], offsets[e + 1]):
            for j in range(n_out):
                acc = out[i, j]
                for kk in range(kdim):
                    acc += x[i, kk] * w[e, j, kk]
                out[i, j] = acc
    return out
