"""mutant 12.5: numbers the non-empty segments 0, 1, 2, ... so an expert with no rows
shifts every later expert onto the wrong weights."""

import numpy as np


def grouped_matmul(x, w, offsets):
    n_rows, kdim = x.shape
    n_out = w.shape[1]
    out = np.zeros((n_rows, n_out), x.dtype)
    g = 0
    for e in range(w.shape[0]):
        if offsets[e + 1] == offsets[e]:
            continue
        for i in range(offsets[e], offsets[e + 1]):
            for j in range(n_out):
                acc = out[i, j]
                for kk in range(kdim):
                    acc += x[i, kk] * w[g, j, kk]
                out[i, j] = acc
        g += 1
    return out
