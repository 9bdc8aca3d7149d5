"""mutant 03.6: records the loss of the last mini-batch, not of the full data set."""

import numpy as np


def gradient_descent(loss_and_grad, w, X, y, lr, epochs, batch_size, rng):
    w = np.array(w, dtype=np.float64)
    history = [loss_and_grad(w, X, y)[0]]
    for _ in range(epochs):
        for idx in minibatch_indices(len(X), batch_size, rng):  # noqa: F821
            loss, dw = loss_and_grad(w, X[idx], y[idx])
            w = w - lr * dw
        history.append(loss)
    return w, history
