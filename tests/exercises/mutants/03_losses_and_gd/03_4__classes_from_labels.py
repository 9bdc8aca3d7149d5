"""mutant 03.4: one-hot width labels.max() + 1, wrong when the top class is absent."""

import numpy as np


def cross_entropy(logits, labels):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    onehot = np.eye(labels.max() + 1)[labels]
    return float(-log_p[np.arange(n), labels].mean()), (np.exp(log_p) - onehot) / n
