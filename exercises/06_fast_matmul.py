# Exercises for lesson 06: replace each `raise NotImplementedError(...)` with your code.
# Generated from solutions/06_fast_matmul.py by `tinymoe stubs`; `tinymoe reset NN.M` restores a stub.
"""Lesson 06: fast matrix multiplication, one rung of the kernel ladder at a time.

Every kernel computes C = A @ B for 2-D float arrays a (M, K) and b (K, N), returning a
NEW (M, N) array of a's dtype. Write them as plain Python loops over NumPy arrays (no
decorator): on tiny inputs they run as Python, and `jit(kernel)` compiles them with Numba
(`numba.njit(cache=True)`) so the same loops run at machine speed. Only use what Numba
understands inside a kernel: `range`, `min`, indexing `x[i, j]`, `np.zeros(shape, dtype)`.

    C[i, j] = sum_k A[i, k] * B[k, j]            2 M K N flops (one multiply, one add)

NumPy arrays are row-major (C order): x[i, j] and x[i, j + 1] are neighbours in memory, while
x[i, j] and x[i + 1, j] are a whole row apart. The CPU loads memory in 64-byte cache lines
(8 float64s), so a loop that walks along rows uses every byte it loads; one that walks down
columns loads a line for every single number. The rungs below differ ONLY in loop order.
"""

import functools
import time

import numba
import numpy as np


def check_operands(op, a, b):
    """Raise ValueError naming `op` and the shapes unless a (M, K) @ b (K, N) is defined."""
    if np.ndim(a) != 2 or np.ndim(b) != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(
            f"{op}: cannot multiply a {np.shape(a)} by b {np.shape(b)}; "
            "expected 2-D a (M, K) and b (K, N)"
        )


@functools.cache
def jit(kernel):
    """`kernel` compiled by Numba (on its first call; cached on disk), with a shape check.

    Example: fast = jit(matmul_ikj); fast(a, b) equals matmul_ikj(a, b), much faster.
    """
    compiled = numba.njit(cache=True)(kernel)

    @functools.wraps(kernel)
    def run(a, b, *args):
        check_operands(kernel.__name__, a, b)
        return compiled(a, b, *args)

    return run


def matmul_naive(a, b):
    """Rung 1, the textbook triple loop in (i, j, k) order.

    a: (M, K), b: (K, N) -> (M, N) of a.dtype. For each output C[i, j], accumulate
    a[i, k] * b[k, j] over k in a local variable, then store it. Start the accumulator from
    out[i, j] of a zero-filled `out` so that float32 stays float32.

    Example: matmul_naive(np.array([[1., 2.]]), np.array([[3.], [4.]])) -> array([[11.]])
    """
    raise NotImplementedError("exercise 06.1: the i, j, k triple loop with a scalar accumulator")


def matmul_ikj(a, b):
    """Rung 2, loop reordering: the same sum in (i, k, j) order.

    a: (M, K), b: (K, N) -> (M, N) of a.dtype. For each row i and each k, read the scalar
    a[i, k] once and add a[i, k] * b[k, j] into out[i, j] for every j. The inner loop now
    runs ALONG row k of B and row i of C (contiguous memory), instead of down a column of B
    as in rung 1, so every loaded cache line is used fully and Numba can vectorise it.

    Example: matmul_ikj(np.eye(2), np.array([[1., 2.], [3., 4.]])) -> [[1., 2.], [3., 4.]]
    """
    raise NotImplementedError(
        "exercise 06.2: reorder the loops to i, k, j so the inner loop walks rows of B and C"
    )


def matmul_blocked(a, b, tile=64):
    """Rung 3, cache blocking: rung 2's (i, k, j) loops, one tile at a time.

    a: (M, K), b: (K, N), tile: edge of the square tiles -> (M, N) of a.dtype.
    Cut the i, k and j ranges into chunks of `tile` (the last chunk may be shorter: use
    min(start + tile, size)). Loop over tile starts i0, k0, j0 (outer), then over i, k, j
    inside the tile (inner, k before j as in rung 2). While the inner loops run, they touch
    only a tile x tile block of B, which stays in cache and is reused for `tile` rows of A,
    instead of streaming all of B through the cache once per row of A.
    Numba tip: run the innermost loop from 0 over row views, e.g. crow = out[i, j0:j1],
    brow = b[k, j0:j1], `for j in range(j1 - j0): crow[j] += aik * brow[j]`. An index that
    provably starts at 0 lets LLVM skip the negative-index check and vectorise the loop.

    Example: matmul_blocked(a, b, tile=2) equals a @ b for any a (M, K), b (K, N).
    """
    raise NotImplementedError(
        "exercise 06.3: ikj on tile x tile blocks, tile loops outside, element loops inside"
    )


def matmul_cost(m, k, n, itemsize=8):
    """The roofline numbers of C = A @ B for a (m, k), b (k, n) with `itemsize`-byte floats.

    Returns (flops, nbytes, intensity): flops = 2 m k n (one multiply and one add per
    product, k products for each of the m n entries of C); nbytes = the bytes that must move
    between memory and the CPU at least once: read A and B, write C, itemsize * (m k + k n +
    m n); intensity = flops / nbytes, flops per byte (a float). flops and nbytes are ints.

    Example: matmul_cost(3, 5, 7) -> (210, 568, 0.3697...)
    """
    raise NotImplementedError(
        "exercise 06.4: count flops, bytes moved at least once, and their ratio"
    )


def gflops(kernel, a, b, repeats=3, timer=time.perf_counter):
    """Speed of `kernel(a, b)` in GFLOP/s (1e9 flops per second), measured honestly.

    a: (M, K), b: (K, N); repeats >= 1; timer() returns the time in seconds.
    1) Call kernel(a, b) once WITHOUT timing it: a Numba kernel compiles on its first call,
       and that is not the speed of the kernel. 2) Time `repeats` calls, each on its own
       (timer() before and after). 3) Keep the FASTEST: noise (other processes, interrupts)
       only ever adds time. Return 2 M K N / best_seconds / 1e9.

    Example: a kernel whose fastest timed call takes 0.5 s on 100 x 100 x 100 -> 0.004.
    """
    raise NotImplementedError(
        "exercise 06.5: warm up once, then the best of `repeats` timed calls -> GFLOP/s"
    )
