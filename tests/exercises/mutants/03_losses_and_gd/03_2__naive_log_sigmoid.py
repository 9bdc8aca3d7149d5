"""mutant 03.2: the textbook -y log p - (1 - y) log(1 - p) with p = sigmoid(z)."""

import numpy as np


def bce_with_logits(z, y):
    p = 1 / (1 + np.exp(-z))
    loss = np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))
    return float(loss), (p - y) / z.size
