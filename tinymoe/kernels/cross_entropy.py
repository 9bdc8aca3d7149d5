"""Fused softmax + cross-entropy, forward and backward in one pass per row.

The NumPy reference, ``tinymoe.reference.softmax_cross_entropy``, makes five full-size
temporaries; this kernel makes one (the gradient).
"""

import numpy as np
from numba import njit, prange

from tinymoe.kernels.matmul_ladder import THREADS

PARALLEL_MIN = 1 << 16  # logits with fewer elements run serially (docs/benchmarks.md)


@njit(cache=True, error_model="numpy")
def _softmax_xent_row(x, t, zero, d):
    """One row: d = softmax(x) - onehot(t), returns logsumexp(x) - x[t]. Subtracting the
    row max first keeps exp() finite for logits up to the float max."""
    top = x.max()
    total = zero  # 0 in the logits' dtype, so float32 sums stay float32
    for c in range(x.shape[0]):
        d[c] = np.exp(x[c] - top)
        total += d[c]
    inv = 1 / total
    for c in range(x.shape[0]):
        d[c] *= inv
    d[t] -= 1
    return np.log(total) - (x[t] - top)


@njit(cache=True, parallel=THREADS)
def _softmax_xent_rows(logits, targets, zero, loss, dlogits, threaded):
    """Every row of logits (N, C), serially or, if ``threaded``, with threads over rows."""
    if not threaded:
        for n in range(logits.shape[0]):
            loss[n] = _softmax_xent_row(logits[n], targets[n], zero, dlogits[n])
        return
    for n in prange(logits.shape[0]):
        loss[n] = _softmax_xent_row(logits[n], targets[n], zero, dlogits[n])


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray):
    """logits (N, C) float, targets (N,) int in [0, C) -> (loss (N,), dlogits (N, C)).

    Inputs are checked by ``tinymoe.backend.softmax_cross_entropy``."""
    loss = np.empty(logits.shape[0], logits.dtype)
    dlogits = np.empty(logits.shape, logits.dtype)
    _softmax_xent_rows(logits, targets, logits.dtype.type(0), loss, dlogits,
                       logits.size >= PARALLEL_MIN)
    return loss, dlogits
