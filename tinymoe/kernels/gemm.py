"""The engine's matmul: ``np.matmul`` semantics on top of the ladder's fastest rung.

``matmul(a, b)`` accepts 1-D, 2-D and N-D (broadcast batch dims) arrays. float32 and
float64 operands of one dtype run in ``gemm_batched`` (rung 7's packed kernel); other
dtypes, mixed dtypes and products below ``SMALL`` multiply-adds go to ``np.matmul`` (for
tiny products the Python front-end and thread launch cost more than the arithmetic; see
docs/benchmarks.md).
"""

import numpy as np
from numba import njit, prange

from tinymoe.errors import ShapeError, fmt
from tinymoe.kernels.matmul_ladder import pack_b_panel, packed_rows, row_groups
from tinymoe.kernels.tiles import NR

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
SMALL = 32**3  # M*N*K below this runs on np.matmul


@njit(cache=True, parallel=True)
def gemm_batched(a, bt, a_index, b_index, out):
    """out[p] = a[a_index[p]] @ bt[b_index[p]].T for every batch entry p (rung 7).

    a (Ba, M, K) C-contiguous, bt (Bb, N, K) any strides; a_index, b_index (P,) int64; out (P, M, N)
    zero-filled. Each matrix of bt is packed once; threads share out the
    (batch entry, group of row panels) pairs."""
    p_count, m, n = out.shape
    panels_n = (n + NR - 1) // NR
    bp = np.zeros((bt.shape[0], panels_n, bt.shape[2], NR), bt.dtype)
    for q in range(bt.shape[0] * panels_n):  # serial: a second parallel region costs more
        pack_b_panel(bt[q // panels_n], q % panels_n * NR, bp[q // panels_n, q % panels_n])
    tasks, panels = row_groups(m)
    for task in prange(p_count * tasks):
        p = np.int64(task) // tasks  # prange indices are unsigned; keep int64 math
        t = np.int64(task) - p * tasks
        packed_rows(a[a_index[p]], bp[b_index[p]], out[p], t * panels // tasks,
                    (t + 1) * panels // tasks)


def _stacked(x: np.ndarray, batch: tuple) -> tuple[np.ndarray, np.ndarray]:
    """x (..., R, K) as a C-contiguous (Bx, R, K) stack plus, for each entry of the
    broadcast ``batch``, the index of its matrix in the stack. Copies only when x's
    rows are not contiguous along K; broadcasting copies nothing but indices."""
    stack = np.ascontiguousarray(x).reshape(-1, *x.shape[-2:])
    index = np.arange(stack.shape[0]).reshape(x.shape[:-2])
    return stack, np.broadcast_to(index, batch).ravel()


def _stacked_bt(b: np.ndarray, batch: tuple) -> tuple[np.ndarray, np.ndarray]:
    """B.T for b (..., K, N) as a (Bb, N, K) stack (see ``_stacked``) that is either
    C-contiguous or the transposed view of a C-contiguous stack of B: the kernel packs
    B with any strides, so neither ``A @ B`` nor ``A @ B.T`` copies it."""
    bt = np.swapaxes(b, -1, -2)
    if b.flags.c_contiguous and not bt.flags.c_contiguous:
        stack, index = _stacked(b, batch)
        return np.swapaxes(stack, 1, 2), index
    return _stacked(bt, batch)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)``: a (..., M, K) or (K,), b (..., K, N) or (K,).

    The kernel reads A by rows and packs B from any layout, so with C-contiguous
    operands ``A @ B`` and ``A @ B.T`` copy nothing, and ``A.T @ B`` copies A once,
    O(n^2) next to the O(n^3) product."""
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
    bt_stack, b_index = _stacked_bt(b2, batch)
    out = np.zeros((len(a_index), m, n), a.dtype)
    gemm_batched(a_stack, bt_stack, a_index, b_index, out)
    out = out.reshape(*batch, m, n)
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return out
