"""mutant 06.4: nbytes counts reading A and B but not writing C."""


def matmul_cost(m, k, n, itemsize=8):
    flops = 2 * m * k * n
    nbytes = itemsize * (m * k + k * n)
    return flops, nbytes, flops / nbytes
