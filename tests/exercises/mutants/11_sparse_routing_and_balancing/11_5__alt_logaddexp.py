"""alternative 11.5: logsumexp with np.logaddexp.reduce; softmax as exp(z - lse)."""

import numpy as np


def z_loss(logits):
    lse = np.logaddexp.reduce(logits, axis=1)
    p = np.exp(logits - lse[:, None])
    return float((lse**2).sum() / len(lse)), (2.0 / len(lse)) * lse[:, None] * p
