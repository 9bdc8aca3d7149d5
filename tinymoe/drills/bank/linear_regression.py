"""Linear regression: closed form vs gradient descent

Least squares with an optional ridge penalty, for `X` `(n, d)` (no intercept column is
added for you), `y` `(n,)`:

    L(w) = ||X w - y||^2 / (2 n) + (l2 / 2) ||w||^2

1. `closed_form(X, y, l2=0.0)`: the minimiser, `(d,)`. With `l2 > 0` it solves the normal
   equations `(X.T X / n + l2 I) w = X.T y / n` (always solvable, even with `n < d`). With
   `l2 = 0` return the minimum-norm least-squares solution (what `np.linalg.lstsq` gives),
   which also works when `X.T X` is singular (duplicated columns, `n < d`).
2. `gradient_descent(X, y, l2=0.0, n_steps=500, lr=None)`: start at `w = 0` and take
   `n_steps` steps `w -= lr * grad L(w)`; when `lr` is None use `1 / L_max` where
   `L_max = largest eigenvalue of X.T X / n, plus l2` (the gradient's Lipschitz
   constant, which guarantees the loss never goes up). Return `(w, losses)` with `losses`
   the list of `L(w)` before each step.

Worked example: `X = [[1, 0], [0, 2], [1, 1]]`, `y = [1, 2, 2]`: the exact fit is
`w = [1, 1]` (residual 0), and both functions must find it (GD up to its tolerance).

Constraints: NumPy only; never form an explicit inverse (`np.linalg.inv`): solve.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("classic-ml", "optim")
MINUTES = 20
KIND = "implement"


def closed_form(X, y, l2=0.0):
    """(n, d), (n,) -> w (d,) minimising ||Xw - y||^2 / (2n) + l2/2 ||w||^2."""
    # BEGIN SOLUTION
    n, d = X.shape
    if l2 == 0:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    return np.linalg.solve(X.T @ X / n + l2 * np.eye(d), X.T @ y / n)
    # END SOLUTION


def gradient_descent(X, y, l2=0.0, n_steps=500, lr=None):
    """Full-batch GD from w = 0 -> (w (d,), losses: list of floats, one per step)."""
    # BEGIN SOLUTION
    n, d = X.shape
    if lr is None:
        lr = 1.0 / (np.linalg.eigvalsh(X.T @ X / n).max() + l2)
    w = np.zeros(d)
    losses = []
    for _ in range(n_steps):
        r = X @ w - y
        losses.append(float(r @ r / (2 * n) + 0.5 * l2 * w @ w))
        w = w - lr * (X.T @ r / n + l2 * w)
    return w, losses
    # END SOLUTION
