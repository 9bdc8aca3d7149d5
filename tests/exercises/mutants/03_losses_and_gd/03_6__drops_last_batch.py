"""mutant 03.6: steps only over full batches (range(len(X) // batch_size))."""

import numpy as np


def gradient_descent(loss_and_grad, w, X, y, lr, epochs, batch_size, rng):
    w = np.array(w, dtype=np.float64)
    history = [loss_and_grad(w, X, y)[0]]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for b in range(len(X) // batch_size):
            idx = order[b * batch_size : (b + 1) * batch_size]
            w = w - lr * loss_and_grad(w, X[idx], y[idx])[1]
        history.append(loss_and_grad(w, X, y)[0])
    return w, history
