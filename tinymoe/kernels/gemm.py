"""The engine's matmul: ``np.matmul`` semantics on top of the ladder's fastest rung.

``matmul(a, b)`` accepts 1-D, 2-D and N-D (broadcast batch dims) arrays. float32 and
float64 operands of one dtype run in ``gemm_batched``; other dtypes, mixed dtypes and
products below ``SMALL`` multiply-adds go to ``np.matmul`` (for tiny products the
Python front-end and thread launch cost more than the arithmetic; see docs/benchmarks.md).
"""

import numpy as np
from numba import njit, prange

from tinymoe.errors import ShapeError, fmt
from tinymoe.kernels.matmul_ladder import KC, NC, ROWS, register_rows

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
SMALL = 32**3  # M*N*K below this runs on np.matmul


@njit(cache=True, parallel=True)
def gemm_batched(a, bt, a_index, b_index, out):
    """out[p] = a[a_index[p]] @ bt[b_index[p]].T for every batch entry p.

    a (Ba, M, K), bt (Bb, N, K) C-contiguous; a_index, b_index (P,) int64; out (P, M, N)
    zero-filled. Threads share out the (batch, 32-row strip) pairs."""
    p_count, m, _ = out.shape
    strips = (m + ROWS - 1) // ROWS
    for task in prange(p_count * strips):
        p = np.int64(task) // strips  # prange indices are unsigned; keep int64 math
        i0 = (np.int64(task) - p * strips) * ROWS
        register_rows(a[a_index[p]], bt[b_index[p]], out[p], i0, min(m, i0 + ROWS), KC, NC)


def _stacked(x: np.ndarray, batch: tuple) -> tuple[np.ndarray, np.ndarray]:
    """x (..., R, K) as a C-contiguous (Bx, R, K) stack plus, for each entry of the
    broadcast ``batch``, the index of its matrix in the stack. Copies only when x's
    rows are not contiguous along K; broadcasting copies nothing but indices."""
    stack = np.ascontiguousarray(x).reshape(-1, *x.shape[-2:])
    index = np.arange(stack.shape[0]).reshape(x.shape[:-2])
    return stack, np.broadcast_to(index, batch).ravel()


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)``: a (..., M, K) or (K,), b (..., K, N) or (K,).

    The kernel reads A by rows and B by columns (the dot-product form), so ``A @ B.T``
    with C-contiguous A and B copies nothing; ``A @ B`` copies B transposed once and
    ``A.T @ B`` copies both operands, O(n^2) next to the O(n^3) product."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: operands need >= 1 dim, got {fmt(a.shape)} @ {fmt(b.shape)}")
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ShapeError(
            f"matmul: inner dimensions differ: {fmt(a.shape)} @ {fmt(b.shape)} "
            f"(K={a2.shape[-1]} vs K={b2.shape[-2]})"
        )
    try:
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"matmul: batch dimensions do not broadcast: {fmt(a.shape)} @ {fmt(b.shape)}"
        ) from None
    m, k = a2.shape[-2:]
    n = b2.shape[-1]
    if a.dtype != b.dtype or a.dtype not in FLOATS or m * n * k < SMALL:
        return np.matmul(a, b)
    a_stack, a_index = _stacked(a2, batch)
    bt_stack, b_index = _stacked(np.swapaxes(b2, -1, -2), batch)
    out = np.zeros((len(a_index), m, n), a.dtype)
    gemm_batched(a_stack, bt_stack, a_index, b_index, out)
    out = out.reshape(*batch, m, n)
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return out
