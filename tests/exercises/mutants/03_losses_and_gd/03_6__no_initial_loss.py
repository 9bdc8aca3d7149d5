"""mutant 03.6: history starts after the first epoch (no loss before training)."""

import numpy as np


def gradient_descent(loss_and_grad, w, X, y, lr, epochs, batch_size, rng):
    w = np.array(w, dtype=np.float64)
    history = []
    for _ in range(epochs):
        for idx in minibatch_indices(len(X), batch_size, rng):  # noqa: F821
            w = w - lr * loss_and_grad(w, X[idx], y[idx])[1]
        history.append(loss_and_grad(w, X, y)[0])
    return w, history
