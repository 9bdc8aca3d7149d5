"""mutant 06.4: intensity is bytes per flop (nbytes / flops) instead of flops per byte."""


def matmul_cost(m, k, n, itemsize=8):
    flops = 2 * m * k * n
    nbytes = itemsize * (m * k + k * n + m * n)
    return flops, nbytes, nbytes / flops
