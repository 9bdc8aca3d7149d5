"""mutant 06.5: takes N from b.shape[0] (that is K), so the flop count is 2 M K K."""

import time


def gflops(kernel, a, b, repeats=3, timer=time.perf_counter):
    kernel(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = timer()
        kernel(a, b)
        best = min(best, timer() - start)
    return 2 * a.shape[0] * a.shape[1] * b.shape[0] / best / 1e9
