"""mutant 06.4: counts M K N flops, forgetting that each product is a multiply AND an add."""


def matmul_cost(m, k, n, itemsize=8):
    flops = m * k * n
    nbytes = itemsize * (m * k + k * n + m * n)
    return flops, nbytes, flops / nbytes
