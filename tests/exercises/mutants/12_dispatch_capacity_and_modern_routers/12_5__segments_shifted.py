"""mutant 12.5: off by one expert: rows offsets[e]:offsets[e + 1] use w[e - 1] (and the
first segment wraps around to the last expert)."""

import numpy as np


def grouped_matmul(x, w, offsets):
    n_rows, kdim = x.shape
    n_out = w.shape[1]
    n_experts = w.shape[0]
    out = np.zeros((n_rows, n_out), x.dtype)
    for e in range(n_experts):
        for i in range(offsets[e], offsets[e + 1]):
            for j in range(n_out):
                acc = out[i, j]
                for kk in range(kdim):
                    acc += x[i, kk] * w[(e - 1) % n_experts, j, kk]
                out[i, j] = acc
    return out
