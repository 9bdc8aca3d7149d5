"""mutant 03.4: log(softmax(z)): stable softmax, but log(0) = -inf for a confident mistake."""

import numpy as np


def cross_entropy(logits, labels):
    n = logits.shape[0]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), labels]).mean()
    onehot = np.eye(logits.shape[1])[labels]
    return float(loss), (p - onehot) / n
