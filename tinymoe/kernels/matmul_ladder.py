"""The matmul ladder: seven Numba kernels for ``C = A @ B``, each adding one idea.

Every rung takes 2-D float arrays ``a`` (M, K) and ``b`` (K, N) and returns a new
(M, N) array of ``a.dtype``. ``matmul_reference`` is the plain NumPy definition they
are all tested against. Climb in order; ``python -m tinymoe.bench matmul`` times them.
"""

import numpy as np
from numba import njit, prange
from numba.core.cpu_options import ParallelOptions

from tinymoe.kernels.tiles import (
    MR,
    NR,
    Tile,
    fma_panel,
    tile_group,
    tile_mr,
    tile_nr,
    tile_panel_bytes,
    zeros_tile,
)

# Reassociation lets LLVM split a sum over k into vector lanes; contraction fuses a*b+c
# into one FMA. Neither assumes away NaN or inf, unlike fastmath=True.
FASTMATH = {"reassoc", "contract"}
# ``parallel=True`` also turns NumPy calls such as ``np.zeros`` into parallel loops, each a
# thread launch of its own; with this only the explicit ``prange`` loops run on threads.
THREADS = ParallelOptions({"prange": True, "comprehension": False, "reduction": False,
                           "inplace_binop": False, "setitem": False, "numpy": False,
                           "stencil": False, "fusion": False})
TILE = 64  # cache tile edge for rungs 3-4: three 64x64 float64 tiles fit in L2
ROWS = 32  # rows per parallel task in rungs 5-6 (a multiple of the 4-row register block)
KC = 512  # k-panel length of rung 6: a 4 x KC strip of A stays in L1
NC = 128  # rows of B.T per panel in rung 6: NC x KC of B.T stays in L2
PANEL_BYTES = 32 * 1024  # rung 7: a k-panel of packed B (kc x NR) stays in L1
GROUP = 8  # rung 7: row panels (of MR rows) per parallel task, about 48 rows
RUNG7 = Tile(MR, NR, vector_bytes=64, panel_bytes=PANEL_BYTES, group=GROUP)  # engine: isa.py
TASKS_MULTIPLE = 4  # rung 7: task count rounded up to this, so 1, 2 or 4 threads share evenly
SERIAL_FLOPS = 2 * 96**3  # rung 7: smaller products run on one thread (docs/benchmarks.md)


def matmul_reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The definition, in NumPy without BLAS: C[i, j] = sum_k A[i, k] B[k, j]."""
    return (a[:, :, None] * b[None, :, :]).sum(axis=1)


@njit(cache=True)
def matmul_naive(a, b):
    """Rung 1, the triple loop. The inner loop walks B down a column (stride N):
    nearly every step misses the cache, so it runs at memory speed, not FMA speed."""
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        for j in range(n):
            acc = out[i, j]  # a zero of the right dtype: float32 stays float32
            for k in range(kdim):
                acc += a[i, k] * b[k, j]
            out[i, j] = acc
    return out


@njit(cache=True)
def _axpy(alpha, x, y):
    """y += alpha * x on 1-D contiguous rows: the loop LLVM turns into vector FMAs."""
    for j in range(y.shape[0]):
        y[j] += alpha * x[j]


@njit(cache=True)
def matmul_ikj(a, b):
    """Rung 2, loop reordering (i, k, j): the inner loop now runs along a row of B
    and a row of C, both contiguous, so it vectorises (``_axpy``). Same flops."""
    m, kdim = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        for k in range(kdim):
            _axpy(a[i, k], b[k], out[i])
    return out


@njit(cache=True)
def _ikj_tiles(a, b, out, i0, i1):
    """Rows [i0, i1) of C by ikj on TILE x TILE tiles, so the tile of B being reused
    stays in cache instead of streaming all of B once per row of A."""
    kdim = a.shape[1]
    n = b.shape[1]
    for k0 in range(0, kdim, TILE):
        for j0 in range(0, n, TILE):
            j1 = min(n, j0 + TILE)
            for i in range(i0, i1):
                for k in range(k0, min(kdim, k0 + TILE)):
                    _axpy(a[i, k], b[k, j0:j1], out[i, j0:j1])


@njit(cache=True)
def matmul_blocked(a, b):
    """Rung 3, cache blocking: ikj restricted to tiles (see ``_ikj_tiles``)."""
    m = a.shape[0]
    out = np.zeros((m, b.shape[1]), a.dtype)
    for i0 in range(0, m, TILE):
        _ikj_tiles(a, b, out, i0, min(m, i0 + TILE))
    return out


@njit(cache=True, parallel=THREADS)
def matmul_parallel(a, b):
    """Rung 4, threads: row tiles are independent, so ``prange`` hands them to the
    cores (``numba.set_num_threads``). Each thread writes its own rows of C: no races."""
    m = a.shape[0]
    out = np.zeros((m, b.shape[1]), a.dtype)
    for t in prange((m + TILE - 1) // TILE):
        i0 = t * TILE
        _ikj_tiles(a, b, out, i0, min(m, i0 + TILE))
    return out


@njit(cache=True, fastmath=FASTMATH)
def _dot(x, y, acc):
    """acc + x . y for 1-D contiguous x, y (vectorised thanks to reassociation)."""
    for k in range(x.shape[0]):
        acc += x[k] * y[k]
    return acc


@njit(cache=True, fastmath=FASTMATH)
def _tile4x4(a, bt, out, i, j, k0, k1):
    """out[i:i+4, j:j+4] += a[i:i+4, k0:k1] @ bt[j:j+4, k0:k1].T with 16 scalar
    accumulators: each loaded a and b value feeds four FMAs, and LLVM keeps the 16
    sums in vector registers over the contiguous k axis (the dot-product form)."""
    r0, r1, r2, r3 = a[i, k0:k1], a[i + 1, k0:k1], a[i + 2, k0:k1], a[i + 3, k0:k1]
    s0, s1, s2, s3 = bt[j, k0:k1], bt[j + 1, k0:k1], bt[j + 2, k0:k1], bt[j + 3, k0:k1]
    c00, c01, c02, c03 = out[i, j], out[i, j + 1], out[i, j + 2], out[i, j + 3]
    c10, c11, c12, c13 = out[i + 1, j], out[i + 1, j + 1], out[i + 1, j + 2], out[i + 1, j + 3]
    c20, c21, c22, c23 = out[i + 2, j], out[i + 2, j + 1], out[i + 2, j + 2], out[i + 2, j + 3]
    c30, c31, c32, c33 = out[i + 3, j], out[i + 3, j + 1], out[i + 3, j + 2], out[i + 3, j + 3]
    for k in range(k1 - k0):  # counting from 0 lets LLVM prove k >= 0: no gathers
        a0, a1, a2, a3 = r0[k], r1[k], r2[k], r3[k]
        b0, b1, b2, b3 = s0[k], s1[k], s2[k], s3[k]
        c00 += a0 * b0
        c01 += a0 * b1
        c02 += a0 * b2
        c03 += a0 * b3
        c10 += a1 * b0
        c11 += a1 * b1
        c12 += a1 * b2
        c13 += a1 * b3
        c20 += a2 * b0
        c21 += a2 * b1
        c22 += a2 * b2
        c23 += a2 * b3
        c30 += a3 * b0
        c31 += a3 * b1
        c32 += a3 * b2
        c33 += a3 * b3
    out[i, j], out[i, j + 1], out[i, j + 2], out[i, j + 3] = c00, c01, c02, c03
    out[i + 1, j], out[i + 1, j + 1], out[i + 1, j + 2], out[i + 1, j + 3] = c10, c11, c12, c13
    out[i + 2, j], out[i + 2, j + 1], out[i + 2, j + 2], out[i + 2, j + 3] = c20, c21, c22, c23
    out[i + 3, j], out[i + 3, j + 1], out[i + 3, j + 2], out[i + 3, j + 3] = c30, c31, c32, c33


@njit(cache=True)
def register_rows(a, bt, out, i0, i1, kc, nc):
    """out[i0:i1] += a[i0:i1] @ bt.T, in k-panels of ``kc`` and B.T panels of ``nc``
    rows, by 4x4 register tiles; rows and columns past a multiple of 4 use ``_dot``.
    a (M, K) and bt (N, K) C-contiguous, out (M, N)."""
    kdim = a.shape[1]
    n = bt.shape[0]
    for k0 in range(0, kdim, kc):
        k1 = min(kdim, k0 + kc)
        for j0 in range(0, n, nc):
            j1 = min(n, j0 + nc)
            j4 = j0 + (j1 - j0) // 4 * 4
            for i in range(i0, i1, 4):
                if i + 4 <= i1:
                    for j in range(j0, j4, 4):
                        _tile4x4(a, bt, out, i, j, k0, k1)
                    rows = range(i, i + 4)
                    cols = range(j4, j1)  # the 0-3 leftover columns of this panel
                else:
                    rows = range(i, i1)  # the 0-3 leftover rows
                    cols = range(j0, j1)
                for r in rows:
                    for j in cols:
                        out[r, j] = _dot(a[r, k0:k1], bt[j, k0:k1], out[r, j])


@njit(cache=True, parallel=THREADS)
def matmul_register(a, b):
    """Rung 5, register blocking in the dot-product form: transpose B once so both
    operands run contiguously along k, then compute C in 4x4 tiles (``_tile4x4``),
    two loads per four FMAs instead of two loads per one. Threads over row strips."""
    bt = np.ascontiguousarray(b.T)
    m, kdim = a.shape
    n = bt.shape[0]
    out = np.zeros((m, n), a.dtype)
    for t in prange((m + ROWS - 1) // ROWS):
        register_rows(a, bt, out, t * ROWS, min(m, t * ROWS + ROWS), max(kdim, 1), max(n, 1))
    return out


@njit(cache=True, parallel=THREADS)
def matmul_register_blocked(a, b):
    """Rung 6, register tiles inside cache panels: rung 5 re-reads all of B.T from
    L3 for every strip of 4 rows once B.T outgrows L2; cutting k into KC-long panels
    and B.T into NC-row panels keeps the working set in L1/L2 (what BLAS calls
    packing-free GEBP blocking). Capped by the 256-bit FMA peak, even with 512-bit
    vectors on (its 16 horizontal sums per tile; docs/benchmarks.md): see rung 7."""
    bt = np.ascontiguousarray(b.T)
    m = a.shape[0]
    out = np.zeros((m, bt.shape[0]), a.dtype)
    for t in prange((m + ROWS - 1) // ROWS):
        register_rows(a, bt, out, t * ROWS, min(m, t * ROWS + ROWS), KC, NC)
    return out


@njit(cache=True, fastmath=FASTMATH)
def _micro(ap, bp, out, i, j, tile):
    """out[i:i+MR, j:j+NR] += ap.T @ bp, clipped to out; ap (kc, MR) any strides (packed,
    or A's rows read in place), bp (kc, NR) C-contiguous, (MR, NR) the ``tile``'s shape
    (compile-time constants). The outer-product form: per k, NR values of B (whole
    vectors) times MR broadcast values of A, into an MR x NR tile held in registers for
    the whole k loop, so no horizontal sums: a whole tile's registers start from and end
    in C's rows, an edge tile's in a stack tile (``zeros_tile``) added back clipped."""
    mr, nr = tile_mr(tile), tile_nr(tile)
    if i + mr <= out.shape[0] and j + nr <= out.shape[1]:  # a whole tile: C's rows are the
        fma_panel(ap, bp, out[i:i + mr, j:j + nr], tile)  # accumulators' first and last values
        return
    acc = zeros_tile(ap.dtype, tile)
    fma_panel(ap, bp, acc, tile)
    for r in range(min(mr, out.shape[0] - i)):
        for jj in range(min(nr, out.shape[1] - j)):
            out[i + r, j + jj] += acc[r, jj]


@njit(cache=True)
def pack_b_panel_tile(b, j0, dst, tile):
    """dst (K, NR) = b[:, j0:j0+NR], zero past the last column of b (K, N, any strides).
    Row by row of B: a C-contiguous b compiles to vector copies; for B = W.T the NR
    source rows of W are read side by side, each cache line serving several k."""
    nr = tile_nr(tile)
    width = min(nr, b.shape[1] - j0)
    for k in range(b.shape[0]):
        src, row = b[k, j0:j0 + width], dst[k]  # 1-D views: simpler index math
        for jj in range(width):
            row[jj] = src[jj]
        for jj in range(width, nr):
            row[jj] = 0


@njit(cache=True)
def _pack_b_item(b, bp, q, tile):
    """Panel q of the (batch entry, column panel) pairs of ``pack_b``."""
    i, jp = q // bp.shape[1], q % bp.shape[1]
    pack_b_panel_tile(b[i], jp * tile_nr(tile), bp[i, jp], tile)


@njit(cache=True, parallel=THREADS)
def pack_b_tile(b, threaded, tile):
    """B = b[i] for every i, packed: b (Bb, K, N) any strides -> (Bb, ceil(N/NR), K, NR)
    zero-padded; the panels are shared out over threads if ``threaded``."""
    nr = tile_nr(tile)
    batches, kdim, n = b.shape
    bp = np.empty((batches, (n + nr - 1) // nr, kdim, nr), b.dtype)  # every entry written
    if not threaded:
        for q in range(batches * bp.shape[1]):
            _pack_b_item(b, bp, q, tile)
        return bp
    for q in prange(batches * bp.shape[1]):
        _pack_b_item(b, bp, np.int64(q), tile)
    return bp


@njit(cache=True)
def packed_rows_tile(a, bp, out, p0, p1, tile):
    """out[p0*MR : p1*MR] += a[same rows] @ B for row panels [p0, p1), by ``_micro``.

    a (M, K) any strides; bp (ceil(N/NR), K, NR) the packed B (``pack_b``); out (M, N).
    The k axis runs in panels of kc (the tile's panel_bytes of B per panel, L1). When A's
    rows are contiguous, the micro-kernel reads a whole panel of MR rows in place (MR
    streams along k, each cache line used for 64 bytes of k); otherwise (``A.T`` views)
    and for the last, partial panel, the rows are first packed k-major, kc x MR per panel,
    zero-padded, which turns A.T's stride into unit steps."""
    mr, nr = tile_mr(tile), tile_nr(tile)
    m, kdim = a.shape
    kc = max(1, min(kdim, tile_panel_bytes(tile) // (nr * a.itemsize)))  # >= 1 when K = 0
    in_place = a.strides[1] == a.itemsize
    ap = np.empty((p1 - p0, kc, mr), a.dtype)
    for k0 in range(0, kdim, kc):
        k1 = min(kdim, k0 + kc)
        for p in range(p0, p1):
            rows = min(mr, m - p * mr)
            if in_place and rows == mr:
                continue
            for k in range(k0, k1):  # writes ap in order; MR neighbouring reads of A.T
                for r in range(rows):
                    ap[p - p0, k - k0, r] = a[p * mr + r, k]
                for r in range(rows, mr):
                    ap[p - p0, k - k0, r] = 0
        for jp in range(bp.shape[0]):
            for p in range(p0, p1):
                if in_place and p * mr + mr <= m:
                    _micro(a[p * mr:p * mr + mr, k0:k1].T, bp[jp, k0:k1], out, p * mr,
                           jp * nr, tile)
                else:
                    _micro(ap[p - p0, : k1 - k0], bp[jp, k0:k1], out, p * mr, jp * nr, tile)


@njit(cache=True)
def row_groups_tile(m, tile):
    """Split the ceil(m / MR) row panels of C into tasks of at most about ``group`` panels,
    their count a multiple of TASKS_MULTIPLE when there are enough: (tasks, panels).
    Task t owns panels [t * panels // tasks, (t + 1) * panels // tasks)."""
    group = tile_group(tile)
    panels = (m + tile_mr(tile) - 1) // tile_mr(tile)
    tasks = (panels + group - 1) // group
    tasks = (tasks + TASKS_MULTIPLE - 1) // TASKS_MULTIPLE * TASKS_MULTIPLE
    return max(1, min(panels, tasks)), panels


# Rung 7 as the ladder shows it, with one fixed tile (RUNG7). The engine's matmul
# (``gemm.py``) runs the same functions with the tile chosen for the CPU (``isa.py``).

@njit(cache=True)
def pack_b_panel(b, j0, dst):
    """``pack_b_panel_tile`` with RUNG7."""
    pack_b_panel_tile(b, j0, dst, RUNG7)


@njit(cache=True)
def pack_b(b, threaded):
    """``pack_b_tile`` with RUNG7."""
    return pack_b_tile(b, threaded, RUNG7)


@njit(cache=True)
def packed_rows(a, bp, out, p0, p1):
    """``packed_rows_tile`` with RUNG7."""
    packed_rows_tile(a, bp, out, p0, p1, RUNG7)


@njit(cache=True, parallel=THREADS)
def matmul_packed(a, b):
    """Rung 7, packing + an outer-product micro-kernel (GotoBLAS's design): copy B
    once into NR-wide column panels and A into MR-row panels, both laid out in the
    order the micro-kernel reads them, then update MR x NR tiles of C held in vector
    registers (``_micro``). Per k step: NR/16 vector loads of B + MR broadcasts of A
    feed MR*NR/16 vector FMAs (float32, 512-bit vectors), and no horizontal sums, so
    this rung can pass the 256-bit FMA peak that caps rungs 5-6 (docs/benchmarks.md).
    RUNG7's 6x32 tile suits AVX-512's 32 registers; with AVX2's 16 its 24 accumulators
    spill, which is why the engine picks its tile per CPU (``isa.py``).
    Products under SERIAL_FLOPS skip the threads: launching them costs more."""
    m, kdim = a.shape
    n = b.shape[1]
    threaded = 2 * m * n * kdim >= SERIAL_FLOPS
    bp = pack_b_tile(b[None], threaded, RUNG7)[0]
    out = np.zeros((m, n), a.dtype)
    tasks, panels = row_groups_tile(m, RUNG7)
    if not threaded:
        packed_rows_tile(a, bp, out, 0, panels, RUNG7)
        return out
    for t in prange(tasks):
        packed_rows_tile(a, bp, out, t * panels // tasks, (t + 1) * panels // tasks, RUNG7)
    return out


LADDER = {
    "naive": matmul_naive,
    "ikj": matmul_ikj,
    "blocked": matmul_blocked,
    "parallel": matmul_parallel,
    "register": matmul_register,
    "register_blocked": matmul_register_blocked,
    "packed": matmul_packed,
}
