"""mutant 06.5: keeps the mean of the timed calls instead of the fastest."""

import time


def gflops(kernel, a, b, repeats=3, timer=time.perf_counter):
    kernel(a, b)
    times = []
    for _ in range(repeats):
        start = timer()
        kernel(a, b)
        times.append(timer() - start)
    return 2 * a.shape[0] * a.shape[1] * b.shape[1] / (sum(times) / len(times)) / 1e9
