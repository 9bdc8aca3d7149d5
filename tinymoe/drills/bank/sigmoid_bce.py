"""Stable sigmoid and binary cross-entropy on logits

Write two functions on NumPy arrays:

- `sigmoid(z)`: `1 / (1 + exp(-z))` elementwise, same shape as `z`.
- `bce_with_logits(z, y)` returning `(loss, dz)`: `z` is a `(N,)` array of logits (any real
  number), `y` a `(N,)` array of targets in `[0, 1]` (soft targets allowed). `loss` is the
  MEAN over the batch of `-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z))`, a Python float;
  `dz` is its gradient with respect to `z`, `(sigmoid(z) - y) / N`.

Worked example:

    >>> sigmoid(np.array([0.0, 1e4, -1e4]))
    array([0.5, 1. , 0. ])
    >>> bce_with_logits(np.array([0.0]), np.array([1.0]))
    (0.6931471805599453, array([-0.5]))

Constraints: NumPy only, no loops. At `z = +-1e4` nothing may overflow or take `log(0)` (no
warning, no `nan`/`inf`): `exp(-z)` overflows for very negative `z`, and `log(sigmoid(z))`
is `log(0)` for them. Hint: `log(1 + exp(-|z|))` never overflows.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("numerics", "losses")
MINUTES = 10
KIND = "implement"


def sigmoid(z):
    """Elementwise logistic function, stable for any z; same shape as z."""
    # BEGIN SOLUTION
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    # END SOLUTION


def bce_with_logits(z, y):
    """Mean binary cross-entropy of logits z (N,) against targets y (N,) -> (float, (N,))."""
    # BEGIN SOLUTION
    loss = np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))
    return float(loss), (sigmoid(z) - y) / z.size
    # END SOLUTION
