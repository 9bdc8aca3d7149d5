"""mutant 06.4: bytes are counted as float64 (8 bytes) whatever `itemsize` says."""


def matmul_cost(m, k, n, itemsize=8):
    flops = 2 * m * k * n
    nbytes = 8 * (m * k + k * n + m * n)
    return flops, nbytes, flops / nbytes
