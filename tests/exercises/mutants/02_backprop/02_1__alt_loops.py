"""alternative 02.1: explicit loops over examples (sum of outer products)."""

import numpy as np


def linear_backward(x, W, dy):
    dx = np.zeros(x.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(W.shape[0])
    for n in range(x.shape[0]):
        dx[n] = W.T @ dy[n]
        dW += np.outer(dy[n], x[n])
        db += dy[n]
    return dx, dW, db
