"""mutant 11.5: log(sum(exp(z))) without the max shift, which overflows for logits near 1e3."""

import numpy as np


def z_loss(logits):
    lse = np.log(np.exp(logits).sum(axis=1))
    return float(np.mean(lse**2)), 2.0 * lse[:, None] * softmax(logits) / logits.shape[0]
