"""Fused softmax + cross-entropy, forward and backward in one pass per row.

The NumPy reference is ``tinymoe.backend.softmax_cross_entropy`` under the "numpy"
backend, which makes five full-size temporaries; this kernel makes one (the gradient).
"""

import numpy as np
from numba import njit


@njit(cache=True)
def _softmax_xent_rows(logits, targets, zero, loss, dlogits):
    """Per row n: loss[n] = logsumexp(x) - x[t], dlogits[n] = softmax(x) - onehot(t).
    Subtracting the row max first keeps exp() finite for logits up to the float max."""
    for n in range(logits.shape[0]):
        x, d = logits[n], dlogits[n]
        top = x.max()
        total = zero  # 0 in the logits' dtype, so float32 sums stay float32
        for c in range(x.shape[0]):
            d[c] = np.exp(x[c] - top)
            total += d[c]
        for c in range(x.shape[0]):
            d[c] /= total
        t = targets[n]
        loss[n] = np.log(total) - (x[t] - top)
        d[t] -= 1


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray):
    """logits (N, C) float, targets (N,) int in [0, C) -> (loss (N,), dlogits (N, C)).

    Inputs are checked by ``tinymoe.backend.softmax_cross_entropy``."""
    loss = np.empty(logits.shape[0], logits.dtype)
    dlogits = np.empty(logits.shape, logits.dtype)
    _softmax_xent_rows(logits, targets, logits.dtype.type(0), loss, dlogits)
    return loss, dlogits
