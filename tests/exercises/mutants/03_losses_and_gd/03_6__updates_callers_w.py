"""mutant 03.6: updates the caller's w in place (w -= lr * dw on the array passed in)."""

import numpy as np


def gradient_descent(loss_and_grad, w, X, y, lr, epochs, batch_size, rng):
    history = [loss_and_grad(w, X, y)[0]]
    for _ in range(epochs):
        for idx in minibatch_indices(len(X), batch_size, rng):  # noqa: F821
            w -= lr * loss_and_grad(w, X[idx], y[idx])[1]
        history.append(loss_and_grad(w, X, y)[0])
    return np.asarray(w), history
