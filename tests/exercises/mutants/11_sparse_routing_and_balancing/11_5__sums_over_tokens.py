"""mutant 11.5: sums lse^2 over the tokens instead of averaging (loss and gradient T times
too large)."""

import numpy as np


def z_loss(logits):
    top = logits.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return float(np.sum(lse**2)), 2.0 * lse[:, None] * softmax(logits)
