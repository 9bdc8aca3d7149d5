"""mutant 06.4: flops and nbytes come back as floats (2.0 * ...), not integer counts."""


def matmul_cost(m, k, n, itemsize=8):
    flops = 2.0 * m * k * n
    nbytes = float(itemsize) * (m * k + k * n + m * n)
    return flops, nbytes, flops / nbytes
