"""mutant 06.5: times with time.perf_counter directly, ignoring the `timer` passed in."""

import time


def gflops(kernel, a, b, repeats=3, timer=time.perf_counter):
    kernel(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        kernel(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * a.shape[0] * a.shape[1] * b.shape[1] / best / 1e9
