"""Logistic regression by gradient descent

Binary labels `y` in {0, 1}, features `X` `(n, d)`, weights `w` `(d,)`, bias `b` (a float).
The model's probability is `sigmoid(X @ w + b)`; the loss is the mean binary cross-entropy
plus an L2 penalty on `w` (not on `b`):

    L(w, b) = mean_i [ softplus(z_i) - y_i z_i ] + (l2 / 2) ||w||^2,   z = X @ w + b

(`softplus(z) - y z` is `-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z))` written so that it
stays finite for any `z`.)

1. `loss_and_grad(X, y, w, b, l2=0.0)` returns `(loss, dw, db)`: a float, `(d,)`, a float.
   Gradient: `dw = X.T @ (sigmoid(z) - y) / n + l2 * w`, `db = mean(sigmoid(z) - y)`.
2. `fit(X, y, lr=0.1, n_steps=1000, l2=0.0)` starts from `w = 0, b = 0`, takes `n_steps`
   full-batch steps `w -= lr * dw; b -= lr * db`, and returns `(w, b, losses)` with
   `losses` the list of the loss before each step.

Worked example: `X = [[1.0], [-1.0]]`, `y = [1, 0]`, `w = [0]`, `b = 0`: `z = [0, 0]`,
loss `= log 2 = 0.6931`, `dw = [((0.5 - 1) * 1 + (0.5 - 0) * -1) / 2] = [-0.5]`, `db = 0`.

Constraints: NumPy only, no loop over the samples. Logits of +-1000 must give a finite
loss and gradient, with no overflow warning (`np.log(1 + np.exp(z))` overflows; use
`np.logaddexp(0, z)` and a stable sigmoid).
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("classic-ml", "losses", "optim")
MINUTES = 20
KIND = "implement"


def sigmoid(z):
    """Stable logistic function, elementwise."""
    # BEGIN SOLUTION
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    # END SOLUTION


def loss_and_grad(X, y, w, b, l2=0.0):
    """(n, d), (n,), (d,), float -> (loss float, dw (d,), db float)."""
    # BEGIN SOLUTION
    z = X @ w + b
    n = len(y)
    loss = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * np.dot(w, w)
    r = sigmoid(z) - y
    return float(loss), X.T @ r / n + l2 * w, float(r.mean())
    # END SOLUTION


def fit(X, y, lr=0.1, n_steps=1000, l2=0.0):
    """Full-batch gradient descent from zeros -> (w (d,), b float, losses list)."""
    # BEGIN SOLUTION
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(n_steps):
        loss, dw, db = loss_and_grad(X, y, w, b, l2)
        losses.append(loss)
        w = w - lr * dw
        b = b - lr * db
    return w, b, losses
    # END SOLUTION
