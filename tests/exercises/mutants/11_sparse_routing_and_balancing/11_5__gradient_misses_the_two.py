"""mutant 11.5: gradient lse * softmax / T, missing the 2 of d(lse^2)."""

import numpy as np


def z_loss(logits):
    top = logits.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return float(np.mean(lse**2)), lse[:, None] * softmax(logits) / logits.shape[0]
