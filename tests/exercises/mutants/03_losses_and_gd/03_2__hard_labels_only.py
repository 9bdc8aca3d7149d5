"""mutant 03.2: assumes y is 0 or 1: picks softplus(-z) or softplus(z) by y > 0.5."""

import numpy as np


def bce_with_logits(z, y):
    def softplus(t):
        return np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))

    loss = np.mean(np.where(y > 0.5, softplus(-z), softplus(z)))
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return float(loss), (p - y) / z.size
