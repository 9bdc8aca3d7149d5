"""mutant 03.6: shuffles once before the loop, so every epoch sees the same batches."""

import numpy as np


def gradient_descent(loss_and_grad, w, X, y, lr, epochs, batch_size, rng):
    w = np.array(w, dtype=np.float64)
    history = [loss_and_grad(w, X, y)[0]]
    batches = minibatch_indices(len(X), batch_size, rng)  # noqa: F821
    for _ in range(epochs):
        for idx in batches:
            w = w - lr * loss_and_grad(w, X[idx], y[idx])[1]
        history.append(loss_and_grad(w, X, y)[0])
    return w, history
