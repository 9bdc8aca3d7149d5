"""mutant 06.5: always times 3 calls, whatever `repeats` says."""

import time


def gflops(kernel, a, b, repeats=3, timer=time.perf_counter):
    kernel(a, b)
    best = float("inf")
    for _ in range(3):
        start = timer()
        kernel(a, b)
        best = min(best, timer() - start)
    return 2 * a.shape[0] * a.shape[1] * b.shape[1] / best / 1e9
