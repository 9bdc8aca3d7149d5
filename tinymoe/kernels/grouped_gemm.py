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
segments in one call, built on the matmul ladder's packed rung 7 with the tile the
engine's matmul uses on this CPU (``isa.choice()``): each expert's B is
packed once, A is packed from any strides (``dy[seg].T`` needs no copy), and threads
share out (expert, group of row panels) tasks, so a busy expert's rows spread over
cores; products under ``SERIAL_FLOPS`` run on one thread.

Fused for the MoE layer (``tinymoe.moe.experts.ExpertMLP``):

- ``grouped_linear`` reads the token rows through the sorted index, ``x[rows[s]]``, a
  strip of rows at a time, instead of a gathered (A, K) copy, and runs the bias and
  the activation (ReLU, GELU) on each strip of its result while it is in cache;
- ``grouped_linear_grad`` is the input gradient with the activation's derivative in
  the same epilogue; ``grouped_matmul_tn`` reads B = x[rows[seg_g]] through the index;
- ``scatter_add_rows`` is the combine (gate-weighted rows added to their tokens) straight
  from the second GEMM's output, threaded over tokens so that a token's k rows never
  race; ``combine_backward`` gives both of its gradients in one pass.

Every kernel's plain-NumPy reference, a Python loop over experts, is the function of the
same name in ``tinymoe.reference``. Nothing compiles at import.
"""

import numpy as np
from numba import njit, prange

from tinymoe.errors import DTypeError, ShapeError, fmt
from tinymoe.kernels.activations import _gelu1, _gelu_grad1, _single
from tinymoe.kernels.matmul_ladder import (
    RUNG7,
    SERIAL_FLOPS,
    THREADS,
    pack_b_tile,
    packed_rows_tile,
)
from tinymoe.kernels.tiles import tile_group, tile_mr, tile_nr

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


def _tile(dtype):
    """The micro-kernel tile ``isa.choice()`` picked for this CPU and dtype (the engine
    matmul's), or rung 7's where it picked none."""
    from tinymoe.kernels import isa

    return isa.choice().tiles[np.dtype(dtype).name] or RUNG7


def _strip_tasks(counts: np.ndarray, rows: np.ndarray, tile) -> tuple[np.ndarray, np.ndarray]:
    """(group, first row) of every strip of C (``group * mr`` rows of the tile, as in rung
    7) for every group with counts[g] > 0 and ``rows[g]`` rows of C."""
    size = tile.group * tile.mr
    strips = np.where(counts > 0, -(-rows // size), 0)
    group = np.repeat(np.arange(len(counts), dtype=np.int64), strips)
    first = np.arange(strips.sum(), dtype=np.int64) - np.repeat(np.cumsum(strips) - strips, strips)
    return group, first * size


@njit(cache=True)
def _strip(a, bp, out, row, tile):
    """out[row : row + group * mr] += a[same rows] @ B, with B packed in bp (rung 7)."""
    mr = tile_mr(tile)
    p0 = row // mr
    packed_rows_tile(a, bp, out, p0, min((a.shape[0] + mr - 1) // mr, p0 + tile_group(tile)),
                     tile)


# ---------------------------------------------------------------- forward / input grad
# One task kernel serves the forward (with the bias and activation in its epilogue) and
# the input gradient (with the activation's derivative in its epilogue).
EPILOGUES = {"identity": 0, "relu": 1, "gelu": 2}  # the forward's activations
RELU_GRAD, GELU_GRAD = 3, 4  # out = (a @ B) * act'(saved), saved: relu's output, gelu's input


@njit(cache=True, error_model="numpy")  # as the GELU loops: see activations, "Vectorising"
def _epilogue(pre, out, saved, bias, g, lo, epilogue):
    """Rows ``lo : lo + len(pre)`` of the result, hot in cache: add ``bias[g]`` to ``pre``
    and apply the epilogue (see EPILOGUES) in place, except GELU's forward, which writes
    ``out`` and keeps the pre-activation in ``pre`` for the gradient. One loop per case,
    each branch-free and reading/writing the same element of ``pre``, so each vectorises
    (an ``out`` that may alias ``pre`` at another offset would leave LLVM's scalar loop)."""
    single = _single(pre)
    n = pre.shape[1]
    if epilogue == RELU_GRAD:
        for i in range(pre.shape[0]):
            p, s = pre[i], saved[lo + i]
            for j in range(n):
                p[j] = p[j] if s[j] > 0 else 0
    elif epilogue == GELU_GRAD:
        for i in range(pre.shape[0]):
            p, s = pre[i], saved[lo + i]
            for j in range(n):
                p[j] = _gelu_grad1(s[j], p[j], single)
    else:
        b = bias[g]
        for i in range(pre.shape[0]):
            p = pre[i]
            for j in range(n):
                p[j] += b[j]
            if epilogue == 1:
                for j in range(n):
                    p[j] = 0 if p[j] < 0 else p[j]  # nan stays nan, as np.maximum
            elif epilogue == 2:
                o = out[lo + i]
                for j in range(n):
                    o[j] = _gelu1(p[j], single)


@njit(cache=True)
def _linear_task(x, rows, bp, bias, offsets, task_group, task_row, pre, out, saved,
                 epilogue, tile, t):
    """Strip t: group * mr rows of expert g, read from x through ``rows`` into a small buffer
    (the packing copies them anyway), multiplied into ``pre``, then the epilogue."""
    g, first = task_group[t], task_row[t]
    lo = offsets[g] + first
    mr = tile_mr(tile)
    n = min(tile_group(tile) * mr, offsets[g + 1] - lo)
    a = np.empty((n, x.shape[1]), x.dtype)
    for i in range(n):
        a[i] = x[rows[lo + i]]
    strip = pre[lo:lo + n]
    packed_rows_tile(a, bp[g], strip, 0, (n + mr - 1) // mr, tile)
    _epilogue(strip, out, saved, bias, g, lo, epilogue)


@njit(cache=True, parallel=THREADS)
def _grouped_linear(x, rows, w, bias, offsets, task_group, task_row, pre, out, saved,
                    epilogue, tile, threaded):
    """Tasks serially, or if ``threaded`` with threads; w (G, K, N): every w[g] packed once
    first."""
    bp = pack_b_tile(w, threaded, tile)
    if not threaded:
        for t in range(task_group.shape[0]):
            _linear_task(x, rows, bp, bias, offsets, task_group, task_row, pre, out, saved,
                         epilogue, tile, t)
        return
    for t in prange(task_group.shape[0]):
        _linear_task(x, rows, bp, bias, offsets, task_group, task_row, pre, out, saved,
                     epilogue, tile, t)


def _rows(op: str, rows, offsets, n_x: int) -> np.ndarray:
    """``rows`` as int64 (A,) in [0, n_x), or 0 .. A - 1 when None."""
    if rows is None:
        return np.arange(offsets[-1], dtype=np.int64)
    if not np.issubdtype(rows.dtype, np.integer) or rows.shape != (offsets[-1],):
        raise ShapeError(f"{op}: rows must be ({offsets[-1]},) integers (one per sorted row), "
                         f"got {fmt(rows.shape)} {rows.dtype}")
    if rows.size and (rows.min() < 0 or rows.max() >= n_x):
        raise IndexError(f"{op}: rows must lie in [0, {n_x}), got [{rows.min()}, {rows.max()}]")
    return rows.astype(np.int64, copy=False)


def _run_linear(op, x, w, bias, offsets, rows, epilogue, saved, separate_pre):
    """Checks, then (pre, out) = the task kernel's results (``out is pre`` unless
    ``separate_pre``)."""
    if x.ndim != 2 or w.ndim != 3 or x.shape[1] != w.shape[2]:
        raise ShapeError(f"{op}: expected x (T, K) and w (G, N, K) with the same K, got x "
                         f"{fmt(x.shape)} and w {fmt(w.shape)}")
    groups, n = w.shape[:2]
    arrays = [x, w] + ([] if bias is None else [bias]) + ([] if saved is None else [saved])
    _check(op, offsets, x.shape[0] if rows is None else len(rows), groups, *arrays)
    rows = _rows(op, rows, offsets, x.shape[0])
    if bias is not None and bias.shape != (groups, n):
        raise ShapeError(f"{op}: bias {fmt(bias.shape)} must be (G, N) = {fmt((groups, n))}")
    if saved is not None and saved.shape != (rows.shape[0], n):
        raise ShapeError(f"{op}: saved {fmt(saved.shape)} must be {fmt((rows.shape[0], n))}")
    pre = np.zeros((rows.shape[0], n), x.dtype)
    out = np.zeros_like(pre) if separate_pre else pre
    if pre.size == 0:
        return pre, out
    offsets = offsets.astype(np.int64)
    counts = np.diff(offsets)
    tile = _tile(x.dtype)
    group, first = _strip_tasks(counts, counts, tile)
    bias = np.zeros((groups, n), x.dtype) if bias is None else np.ascontiguousarray(bias)
    saved = pre if saved is None else np.ascontiguousarray(saved)
    _grouped_linear(np.ascontiguousarray(x), rows, w.transpose(0, 2, 1), bias, offsets, group,
                    first, pre, out, saved, epilogue, tile,
                    2 * rows.shape[0] * x.shape[1] * n >= SERIAL_FLOPS)
    return pre, out


def grouped_matmul(x: np.ndarray, w: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``out[seg_g] = x[seg_g] @ w[g].T`` for x (A, K), w (G, N, K) any strides -> out (A, N)."""
    return _run_linear("grouped_matmul", x, w, None, offsets, None, 0, None, False)[1]


def grouped_linear(x, w, bias, offsets, rows=None, activation="identity"):
    """The expert layer ``act(x[rows[s]] @ w[g].T + bias[g])`` for every sorted row s of
    expert g, in one pass: x (T, K) read through ``rows`` (A,) (None: x is already
    sorted, A = T), w (G, N, K), bias (G, N) or None, activation in EPILOGUES.
    Returns ``(out, pre)``: out (A, N), and the pre-activation (A, N) that GELU's
    gradient needs (None for identity and ReLU, whose gradient reads ``out``)."""
    op = "grouped_linear"
    if activation not in EPILOGUES:
        raise ValueError(f"{op}: activation must be one of {tuple(EPILOGUES)}, got "
                         f"{activation!r}")
    gelu = activation == "gelu"
    pre, out = _run_linear(op, x, w, bias, offsets, rows, EPILOGUES[activation], None, gelu)
    return out, pre if gelu else None


def grouped_linear_grad(dy, w, offsets, activation, saved):
    """The gradient at the pre-activation of the layer below: ``(dy[seg_g] @ w[g].T) *
    act'`` with act' read from ``saved`` (A, N): ReLU's output, or GELU's input (the
    ``pre`` of ``grouped_linear``); activation "identity" ignores ``saved``."""
    op = "grouped_linear_grad"
    codes = {"identity": 0, "relu": RELU_GRAD, "gelu": GELU_GRAD}
    if activation not in codes:
        raise ValueError(f"{op}: activation must be one of {tuple(codes)}, got {activation!r}")
    code = codes[activation]
    return _run_linear(op, dy, w, None, offsets, None, code, saved if code else None,
                       False)[1]


# ---------------------------------------------------------------- weight grad


@njit(cache=True)
def _packed_segment(xp, offsets, g, tile):
    """Expert g's block of xp: (ceil(K / NR), rows of segment g, NR)."""
    nr = tile_nr(tile)
    panels = xp.shape[0] // offsets[-1] // nr
    lo, hi = offsets[g], offsets[g + 1]
    return xp[panels * nr * lo:panels * nr * hi].reshape((panels, hi - lo, nr))


@njit(cache=True)
def _pack_segment(x, rows, offsets, xp, g, tile):
    """B = x[rows[seg_g]] (rows of segment g, K) packed into expert g's block of xp, NR
    columns per panel (the layout of ``pack_b``), read through the sorted index."""
    block = _packed_segment(xp, offsets, g, tile)
    lo, nr = offsets[g], tile_nr(tile)
    for jp in range(block.shape[0]):
        j0 = jp * nr
        width = min(nr, x.shape[1] - j0)
        for i in range(block.shape[1]):
            src, dst = x[rows[lo + i], j0:j0 + width], block[jp, i]
            for jj in range(width):
                dst[jj] = src[jj]


@njit(cache=True)
def _weight_task(dy, xp, offsets, task_group, task_row, out, tile, t):
    g = task_group[t]
    _strip(dy[offsets[g]:offsets[g + 1]].T, _packed_segment(xp, offsets, g, tile), out[g],
           task_row[t], tile)


@njit(cache=True, parallel=THREADS)
def _grouped_matmul_tn(dy, x, rows, offsets, task_group, task_row, out, tile, threaded):
    """Pack every x[rows[seg_g]] as B, then the tasks; serially or, if ``threaded``, with
    threads."""
    nr = tile_nr(tile)
    xp = np.zeros(((x.shape[1] + nr - 1) // nr * nr * rows.shape[0]), x.dtype)
    if not threaded:
        for g in range(out.shape[0]):
            _pack_segment(x, rows, offsets, xp, g, tile)
        for t in range(task_group.shape[0]):
            _weight_task(dy, xp, offsets, task_group, task_row, out, tile, t)
        return
    for g in prange(out.shape[0]):
        _pack_segment(x, rows, offsets, xp, g, tile)
    for t in prange(task_group.shape[0]):
        _weight_task(dy, xp, offsets, task_group, task_row, out, tile, t)


def grouped_matmul_tn(dy: np.ndarray, x: np.ndarray, offsets: np.ndarray,
                      rows: np.ndarray | None = None) -> np.ndarray:
    """``out[g] = dy[seg_g].T @ x[rows[seg_g]]`` for dy (A, N), x (T, K) -> out (G, N, K);
    ``rows`` (A,) None means x is sorted already (T = A).

    A = dy[seg_g].T is packed straight from the strided view and B = x[rows[seg_g]] once
    per expert, read through the index; threads over (expert, strip of N rows of out[g])."""
    op = "grouped_matmul_tn"
    if dy.ndim != 2 or x.ndim != 2 or (rows is None and dy.shape[0] != x.shape[0]):
        raise ShapeError(f"{op}: expected dy (A, N) and x (A, K) with the same A, got dy "
                         f"{fmt(dy.shape)} and x {fmt(x.shape)}")
    groups = len(offsets) - 1
    _check(op, offsets, dy.shape[0], groups, dy, x)
    rows = _rows(op, rows, offsets, x.shape[0])
    (a, n), k = dy.shape, x.shape[1]
    out = np.zeros((groups, n, k), x.dtype)
    if out.size == 0 or a == 0:
        return out
    offsets = offsets.astype(np.int64)
    tile = _tile(x.dtype)
    group, row = _strip_tasks(np.diff(offsets), np.full(groups, n), tile)
    _grouped_matmul_tn(dy, np.ascontiguousarray(x), rows, offsets, group, row, out, tile,
                       2 * a * n * k >= SERIAL_FLOPS)
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


def _by_row(index: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): the positions a with index[a] == t are order[starts[t]:starts[t+1]],
    in increasing a (a stable sort), so sums over them keep a sequential loop's order."""
    order = np.argsort(index, kind="stable")
    starts = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(index, minlength=n_rows), out=starts[1:])
    return order, starts


@njit(cache=True, parallel=THREADS)
def _scatter_add_rows(values, weights, order, starts, out):
    """Threads over output rows: each sums its own assignments, so repeated indices
    (top-k sends a token to k experts) never race, and the result is deterministic."""
    for t in prange(out.shape[0]):
        row = out[t]
        for q in range(starts[t], starts[t + 1]):
            a = order[q]
            w, src = weights[a], values[a]
            for j in range(row.shape[0]):
                row[j] += w * src[j]


def scatter_add_rows(values: np.ndarray, weights: np.ndarray, index: np.ndarray,
                     n_rows: int) -> np.ndarray:
    """``out[index[a]] += weights[a] * values[a]`` -> out (n_rows, N); repeated indices add.

    values (A, N), weights (A,), index (A,) int in [0, n_rows): the MoE combine step,
    straight from the second expert GEMM's output, and GatherRows' backward."""
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
    order, starts = _by_row(index.astype(np.int64), n_rows)
    _scatter_add_rows(np.ascontiguousarray(values), weights.astype(values.dtype), order,
                      starts, out)
    return out


@njit(cache=True, parallel=THREADS)
def _combine_backward(grad, values, gate, index, grad_values, grad_gate):
    for a in prange(values.shape[0]):
        g, v, w = grad[index[a]], values[a], gate[a]
        dv, total = grad_values[a], 0.0
        for j in range(g.shape[0]):
            dv[j] = w * g[j]
            total += g[j] * v[j]
        grad_gate[a] = total


def combine_backward(grad, values, gate, index):
    """The combine's gradients in one pass over the assignments: grad (T, N) at its output
    rows, values (A, N), gate (A,), index (A,) -> (grad_values (A, N) = gate[a] *
    grad[index[a]], grad_gate (A,) = grad[index[a]] . values[a])."""
    op = "combine_backward"
    if grad.ndim != 2 or values.ndim != 2 or grad.shape[1] != values.shape[1] \
            or gate.shape != values.shape[:1] or index.shape != values.shape[:1]:
        raise ShapeError(f"{op}: expected grad (T, N), values (A, N), gate (A,), index (A,), "
                         f"got {fmt(grad.shape)}, {fmt(values.shape)}, {fmt(gate.shape)}, "
                         f"{fmt(index.shape)}")
    if index.size and (index.min() < 0 or index.max() >= grad.shape[0]):
        raise IndexError(f"{op}: index values must lie in [0, {grad.shape[0]}), got "
                         f"[{index.min()}, {index.max()}]")
    grad_values = np.empty_like(values)
    grad_gate = np.empty(values.shape[0], values.dtype)
    _combine_backward(np.ascontiguousarray(grad), np.ascontiguousarray(values),
                      gate.astype(values.dtype), index.astype(np.int64), grad_values, grad_gate)
    return grad_values, grad_gate
