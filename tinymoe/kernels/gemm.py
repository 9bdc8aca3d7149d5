"""The engine's matmul: ``np.matmul`` semantics on top of the ladder's fastest rung.

``matmul(a, b)`` accepts 1-D, 2-D and N-D (broadcast batch dims) arrays. float32 and
float64 operands of one dtype run in ``gemm_batched`` (rung 7's packed kernel with the
tile ``isa.choice()`` picked for this CPU's registers) or, on CPUs without a known vector
unit, in ``gemm_batched_register`` (rung 6); other
dtypes, mixed dtypes and products below ``SMALL`` multiply-adds go to ``np.matmul``: below
about 128^3 a kernel call's fixed cost (typing its arguments, packing B, threads) is more
than OpenBLAS takes for the whole product (docs/benchmarks.md, "Matmul"). Plain 2-D
operands take a lean path without the batch machinery.
"""

import numpy as np
from numba import njit, prange

from tinymoe.errors import DTypeError, ShapeError, fmt
from tinymoe.kernels import isa
from tinymoe.kernels.matmul_ladder import (
    KC,
    NC,
    ROWS,
    SERIAL_FLOPS,
    THREADS,
    pack_b_tile,
    packed_rows_tile,
    register_rows,
    row_groups_tile,
)

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
SMALL = 128**3  # M*N*K below this runs on np.matmul (measured crossover, see above)
_ONLY = np.zeros(1, np.int64)  # batch index of a plain 2-D product


@njit(cache=True, parallel=THREADS)
def gemm_batched(a, b, a_index, b_index, out, tile):
    """out[p] = a[a_index[p]] @ b[b_index[p]] for every batch entry p (rung 7 with
    ``tile``, a ``tiles.Tile``).

    a (Ba, M, K) and b (Bb, K, N) any strides; a_index, b_index (P,) int64; out (P, M, N)
    zero-filled. Each matrix of b is packed once, then threads share out the (batch
    entry, group of row panels) pairs; products under SERIAL_FLOPS use one thread."""
    p_count, m, n = out.shape
    threaded = 2 * p_count * m * n * a.shape[2] >= SERIAL_FLOPS
    bp = pack_b_tile(b, threaded, tile)
    tasks, panels = row_groups_tile(m, tile)
    if not threaded:
        for p in range(p_count):
            packed_rows_tile(a[a_index[p]], bp[b_index[p]], out[p], 0, panels, tile)
        return
    for task in prange(p_count * tasks):
        p = np.int64(task) // tasks  # prange indices are unsigned; keep int64 math
        t = np.int64(task) - p * tasks
        packed_rows_tile(a[a_index[p]], bp[b_index[p]], out[p], t * panels // tasks,
                         (t + 1) * panels // tasks, tile)


@njit(cache=True, parallel=THREADS)
def gemm_batched_register(a, b, a_index, b_index, out):
    """``gemm_batched`` by rung 6 (``register_rows``), which assumes no vector width: a and
    B.T are copied contiguous once, then threads share out strips of ROWS rows."""
    ac, btc = np.ascontiguousarray(a), np.ascontiguousarray(b.transpose(0, 2, 1))
    p_count, m, n = out.shape
    strips = (m + ROWS - 1) // ROWS
    for task in prange(p_count * strips):
        p = np.int64(task) // strips
        i0 = (np.int64(task) - p * strips) * ROWS
        register_rows(ac[a_index[p]], btc[b_index[p]], out[p], i0, min(m, i0 + ROWS), KC, NC)


def _gemm(a, b, a_index, b_index, out) -> None:
    """out[p] += a[a_index[p]] @ b[b_index[p]] on this CPU's kernel (``isa.choice()``)."""
    tile = isa.choice().tiles[out.dtype.name]
    if tile is None:
        gemm_batched_register(a, b, a_index, b_index, out)
    else:
        gemm_batched(a, b, a_index, b_index, out, tile)


def _stacked(x: np.ndarray, batch: tuple) -> tuple[np.ndarray, np.ndarray]:
    """x (..., R, K) as a (Bx, R, K) stack (a view whenever reshape allows: the kernel
    reads any strides) plus, for each entry of the broadcast ``batch``, the index of its
    matrix in the stack. Broadcasting copies nothing but indices."""
    stack = x.reshape(-1, *x.shape[-2:])
    index = np.arange(stack.shape[0]).reshape(x.shape[:-2])
    return stack, np.broadcast_to(index, batch).ravel()


def _matmul_2d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (M, K) @ b (K, N), one float dtype: the lean path, views only."""
    m, k = a.shape
    if m * b.shape[1] * k < SMALL:
        return np.matmul(a, b)
    return _kernel_2d(a, b)


def _kernel_2d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros((1, a.shape[0], b.shape[1]), a.dtype)
    _gemm(a[None], b[None], _ONLY, _ONLY, out)
    return out[0]


def kernel_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (M, K) @ b (K, N), float32 or float64, always on this CPU's kernel, at any size:
    ``matmul`` hands products under SMALL to np.matmul, so this is what a benchmark or a
    lesson times when it means the kernel itself."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ShapeError(f"kernel_matmul: expected (M, K) @ (K, N), got {fmt(a.shape)} @ "
                         f"{fmt(b.shape)}")
    if a.dtype != b.dtype or a.dtype not in FLOATS:
        raise DTypeError(f"kernel_matmul: expected two float32 or two float64 operands, got "
                         f"{a.dtype} @ {b.dtype}")
    return _kernel_2d(a, b)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)``: a (..., M, K) or (K,), b (..., K, N) or (K,).

    The kernel packs A and B from any layout, so ``A @ B``, ``A @ B.T``, ``A.T @ B`` and
    other strided views copy nothing beyond the packing itself."""
    a, b = np.asarray(a), np.asarray(b)
    if (a.ndim == 2 and b.ndim == 2 and a.dtype == b.dtype and a.dtype in FLOATS
            and a.shape[1] == b.shape[0]):
        return _matmul_2d(a, b)
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
    b_stack, b_index = _stacked(b2, batch)
    out = np.zeros((len(a_index), m, n), a.dtype)
    _gemm(a_stack, b_stack, a_index, b_index, out)
    out = out.reshape(*batch, m, n)
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return out
