"""mutant 03.6: makes its own np.random.default_rng(0) instead of using the rng passed in."""

import numpy as np


def gradient_descent(loss_and_grad, w, X, y, lr, epochs, batch_size, rng):
    own = np.random.default_rng(0)
    w = np.array(w, dtype=np.float64)
    history = [loss_and_grad(w, X, y)[0]]
    for _ in range(epochs):
        for idx in minibatch_indices(len(X), batch_size, own):  # noqa: F821
            w = w - lr * loss_and_grad(w, X[idx], y[idx])[1]
        history.append(loss_and_grad(w, X, y)[0])
    return w, history
