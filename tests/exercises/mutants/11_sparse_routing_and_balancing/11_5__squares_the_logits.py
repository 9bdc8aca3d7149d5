"""mutant 11.5: penalises the mean squared logit instead of the squared logsumexp."""

import numpy as np


def z_loss(logits):
    return float(np.mean(logits**2)), 2.0 * logits / logits.size
