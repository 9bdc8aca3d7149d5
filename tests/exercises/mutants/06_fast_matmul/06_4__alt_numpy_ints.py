"""alternative 06.4: counts with NumPy integers (np.int64) and the three matrices' sizes."""

import numpy as np


def matmul_cost(m, k, n, itemsize=8):
    sizes = np.array([m * k, k * n, m * n], dtype=np.int64)
    flops = np.int64(2) * m * n * k
    nbytes = sizes.sum() * itemsize
    return flops, nbytes, float(flops) / float(nbytes)
