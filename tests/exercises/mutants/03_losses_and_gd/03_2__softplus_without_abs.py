"""mutant 03.2: max(z, 0) - z y + log(1 + exp(-z)) (no |z|: exp overflows for z << 0)."""

import numpy as np


def bce_with_logits(z, y):
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-z)))
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return float(loss), (p - y) / z.size
