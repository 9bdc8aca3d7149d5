"""Grouped GEMM: one call multiplies every expert's variable-sized segment of rows.

The rows of ``x`` (A, K) are sorted by expert, so expert ``g`` owns the contiguous
segment ``x[offsets[g]:offsets[g + 1]]`` (``offsets`` (G + 1,) int64, ``offsets[0] == 0``,
``offsets[-1] == A``). With per-expert weights ``w`` (G, N, K) in Linear's ``(out, in)``
layout, an MoE expert layer is, for every ``g``::

    y[seg_g] = x[seg_g] @ w[g].T                 # forward           (grouped_matmul)
    dx[seg_g] = dy[seg_g] @ w[g]                 # input gradient    (grouped_matmul on w^T)
    dw[g] = dy[seg_g].T @ x[seg_g]               # weight gradient   (grouped_matmul_tn)
    db[g] = dy[seg_g].sum(0)                     # bias gradient     (segment_sum)

A Python loop of ``np.matmul`` per expert does the same; the kernels below run all
segments in one call, built on the matmul ladder's packed rung 7: each expert's B is
packed once, A is packed from any strides (``dy[seg].T`` needs no copy), and threads
share out (expert, group of row panels) tasks, so a busy expert's rows spread over
cores; products under ``SERIAL_FLOPS`` run on one thread.
``scatter_add_rows`` is the MoE combine: gate-weighted rows added back to their tokens.
Every kernel's plain-NumPy reference, a Python loop over experts, is the function of the
same name in ``tinymoe.reference``. Nothing compiles at import.
"""

import numpy as np
from numba import njit, prange

from tinymoe.errors import DTypeError, ShapeError, fmt
from tinymoe.kernels.matmul_ladder import (
    GROUP,
    SERIAL_FLOPS,
    THREADS,
    pack_b,
    pack_b_panel,
    packed_rows,
)
from tinymoe.kernels.tiles import MR, NR

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# ---------------------------------------------------------------- checks


def _check(op: str, offsets: np.ndarray, rows: int, groups: int, *arrays) -> None:
    """Same float dtype everywhere; ``offsets`` (groups + 1,) int, 0 .. rows, non-decreasing."""
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) != 1 or arrays[0].dtype not in FLOATS:
        raise DTypeError(f"{op}: operands must all be float32 or all float64, got "
                         f"{[str(a.dtype) for a in arrays]}")
    if not np.issubdtype(offsets.dtype, np.integer):
        raise DTypeError(f"{op}: offsets must be integers, got dtype {offsets.dtype}")
    if offsets.shape != (groups + 1,) or offsets[0] != 0 or offsets[-1] != rows \
            or np.any(np.diff(offsets) < 0):
        raise ShapeError(f"{op}: offsets {fmt(offsets.shape)} must be a non-decreasing "
                         f"(G + 1,) = ({groups + 1},) array from 0 to the {rows} rows, got "
                         f"{offsets.tolist() if offsets.size <= 10 else '...'}")


ROWS = GROUP * MR  # rows of C per task, as in rung 7


def _strip_tasks(counts: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group, first row) of every ROWS-row strip of C for every group with counts[g] > 0
    and ``rows[g]`` rows of C."""
    strips = np.where(counts > 0, -(-rows // ROWS), 0)
    group = np.repeat(np.arange(len(counts), dtype=np.int64), strips)
    first = np.arange(strips.sum(), dtype=np.int64) - np.repeat(np.cumsum(strips) - strips, strips)
    return group, first * ROWS


@njit(cache=True)
def _strip(a, bp, out, row):
    """out[row : row + ROWS] += a[same rows] @ B, with B packed in bp (rung 7)."""
    p0 = row // MR
    packed_rows(a, bp, out, p0, min((a.shape[0] + MR - 1) // MR, p0 + GROUP))


# ---------------------------------------------------------------- forward / input grad


@njit(cache=True)
def _forward_task(x, bp, offsets, task_group, task_row, out, t):
    g = task_group[t]
    lo, hi = offsets[g], offsets[g + 1]
    _strip(x[lo:hi], bp[g], out[lo:hi], task_row[t])


@njit(cache=True, parallel=THREADS)
def _grouped_matmul(x, w, offsets, task_group, task_row, out, threaded):
    """Tasks serially, or if ``threaded`` with threads; every w[g] packed once first."""
    bp = pack_b(w, threaded)
    if not threaded:
        for t in range(task_group.shape[0]):
            _forward_task(x, bp, offsets, task_group, task_row, out, t)
        return
    for t in prange(task_group.shape[0]):
        _forward_task(x, bp, offsets, task_group, task_row, out, t)


def grouped_matmul(x: np.ndarray, w: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``out[seg_g] = x[seg_g] @ w[g].T`` for x (A, K), w (G, N, K) any strides -> out (A, N)."""
    op = "grouped_matmul"
    if x.ndim != 2 or w.ndim != 3 or x.shape[1] != w.shape[2]:
        raise ShapeError(f"{op}: expected x (A, K) and w (G, N, K) with the same K, got x "
                         f"{fmt(x.shape)} and w {fmt(w.shape)}")
    _check(op, offsets, x.shape[0], w.shape[0], x, w)
    out = np.zeros((x.shape[0], w.shape[1]), x.dtype)
    if out.size == 0 or x.shape[1] == 0:
        return out
    offsets = offsets.astype(np.int64)
    counts = np.diff(offsets)
    group, row = _strip_tasks(counts, counts)
    _grouped_matmul(x, w, offsets, group, row, out, 2 * x.size * w.shape[1] >= SERIAL_FLOPS)
    return out




# ---------------------------------------------------------------- weight grad


@njit(cache=True)
def _packed_segment(xp, offsets, g):
    """Expert g's block of xp: (ceil(K / NR), rows of segment g, NR)."""
    panels = xp.shape[0] // offsets[-1] // NR
    lo, hi = offsets[g], offsets[g + 1]
    return xp[panels * NR * lo:panels * NR * hi].reshape((panels, hi - lo, NR))


@njit(cache=True)
def _pack_segment(x, offsets, xp, g):
    """B = x[seg_g] (rows, K) packed into expert g's block of xp (see ``pack_b``)."""
    block = _packed_segment(xp, offsets, g)
    for jp in range(block.shape[0]):
        pack_b_panel(x[offsets[g]:offsets[g + 1]].T, jp * NR, block[jp])


@njit(cache=True)
def _weight_task(dy, xp, offsets, task_group, task_row, out, t):
    g = task_group[t]
    _strip(dy[offsets[g]:offsets[g + 1]].T, _packed_segment(xp, offsets, g), out[g],
           task_row[t])


@njit(cache=True, parallel=THREADS)
def _grouped_matmul_tn(dy, x, offsets, task_group, task_row, out, threaded):
    """Pack every x[seg_g] as B, then the tasks; serially or, if ``threaded``, with threads."""
    xp = np.zeros(((x.shape[1] + NR - 1) // NR * NR * x.shape[0]), x.dtype)
    if not threaded:
        for g in range(out.shape[0]):
            _pack_segment(x, offsets, xp, g)
        for t in range(task_group.shape[0]):
            _weight_task(dy, xp, offsets, task_group, task_row, out, t)
        return
    for g in prange(out.shape[0]):
        _pack_segment(x, offsets, xp, g)
    for t in prange(task_group.shape[0]):
        _weight_task(dy, xp, offsets, task_group, task_row, out, t)


def grouped_matmul_tn(dy: np.ndarray, x: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``out[g] = dy[seg_g].T @ x[seg_g]`` for dy (A, N), x (A, K) -> out (G, N, K).

    A = dy[seg_g].T is packed straight from the strided view and B = x[seg_g] once per
    expert; threads over (expert, strip of N rows of out[g])."""
    op = "grouped_matmul_tn"
    if dy.ndim != 2 or x.ndim != 2 or dy.shape[0] != x.shape[0]:
        raise ShapeError(f"{op}: expected dy (A, N) and x (A, K) with the same A, got dy "
                         f"{fmt(dy.shape)} and x {fmt(x.shape)}")
    groups = len(offsets) - 1
    _check(op, offsets, x.shape[0], groups, dy, x)
    (a, n), k = dy.shape, x.shape[1]
    out = np.zeros((groups, n, k), x.dtype)
    if out.size == 0 or a == 0:
        return out
    offsets = offsets.astype(np.int64)
    group, row = _strip_tasks(np.diff(offsets), np.full(groups, n))
    _grouped_matmul_tn(dy, x, offsets, group, row, out, 2 * a * n * k >= SERIAL_FLOPS)
    return out




@njit(cache=True, parallel=THREADS)
def _segment_sum(dy, offsets, out):
    for g in prange(out.shape[0]):
        row = out[g]
        for i in range(offsets[g], offsets[g + 1]):
            for j in range(dy.shape[1]):
                row[j] += dy[i, j]


def segment_sum(dy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``out[g] = dy[seg_g].sum(0)`` for dy (A, N) -> (G, N); empty segments give zeros
    (the bias gradient). Threads over experts."""
    op = "segment_sum"
    if dy.ndim != 2:
        raise ShapeError(f"{op}: expected dy (A, N), got {fmt(dy.shape)}")
    _check(op, offsets, dy.shape[0], len(offsets) - 1, dy)
    out = np.zeros((len(offsets) - 1, dy.shape[1]), dy.dtype)
    _segment_sum(np.ascontiguousarray(dy), offsets.astype(np.int64), out)
    return out




# ---------------------------------------------------------------- combine


@njit(cache=True)
def _scatter_add_rows(values, weights, index, out):
    for a in range(values.shape[0]):
        row, w = out[index[a]], weights[a]
        for j in range(values.shape[1]):
            row[j] += w * values[a, j]


def scatter_add_rows(values: np.ndarray, weights: np.ndarray, index: np.ndarray,
                     n_rows: int) -> np.ndarray:
    """``out[index[a]] += weights[a] * values[a]`` -> out (n_rows, N); repeated indices add.

    values (A, N), weights (A,), index (A,) int in [0, n_rows): the MoE combine step."""
    op = "scatter_add_rows"
    if values.ndim != 2 or weights.shape != values.shape[:1] or index.shape != values.shape[:1]:
        raise ShapeError(f"{op}: expected values (A, N), weights (A,), index (A,), got "
                         f"{fmt(values.shape)}, {fmt(weights.shape)}, {fmt(index.shape)}")
    if not np.issubdtype(index.dtype, np.integer):
        raise DTypeError(f"{op}: index must be integers, got dtype {index.dtype}")
    if index.size and (index.min() < 0 or index.max() >= n_rows):
        raise IndexError(f"{op}: index values must lie in [0, {n_rows}), got "
                         f"[{index.min()}, {index.max()}]")
    out = np.zeros((n_rows, values.shape[1]), values.dtype)
    _scatter_add_rows(np.ascontiguousarray(values), weights.astype(values.dtype),
                      index.astype(np.int64), out)
    return out
