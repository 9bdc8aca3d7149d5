"""mutant 06.5: no warm-up call, so Numba's compile time is in the first timed call."""

import time


def gflops(kernel, a, b, repeats=3, timer=time.perf_counter):
    best = float("inf")
    for _ in range(repeats):
        start = timer()
        kernel(a, b)
        best = min(best, timer() - start)
    return 2 * a.shape[0] * a.shape[1] * b.shape[1] / best / 1e9
