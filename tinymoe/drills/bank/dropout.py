"""Inverted dropout: training and evaluation

Dropout (Srivastava et al. 2014) zeroes each activation with probability p during
training. "Inverted" dropout scales the survivors by 1 / (1 - p) so that the expected
value of every entry is unchanged, and evaluation is then the identity (nothing to
rescale at test time).

Write:
- `dropout_forward(x, p, training, rng)` -> (y, mask): in training, mask has x's shape
  with entries 0 (dropped, probability p) or 1 / (1 - p) (kept), y = x * mask; draw with
  `rng.random(x.shape)` (rng is a `np.random.Generator`). In evaluation, or when p = 0,
  return y = x and mask = all ones. p = 1 drops everything (y = 0, no division by
  zero). Raise ValueError unless 0 <= p <= 1.
- `dropout_backward(dy, mask)` -> dx.

Example: x = [1, 2, 3, 4], p = 0.5, and draws [0.7, 0.2, 0.9, 0.4] (drop when the draw
is below p): mask = [2, 0, 2, 0], y = [2, 0, 6, 0]. In evaluation y = [1, 2, 3, 4].

Constraints: NumPy only, vectorised.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("regularization",)
MINUTES = 10
KIND = "implement"


def dropout_forward(x, p, training, rng):
    """x any shape -> y (x's shape), mask (x's shape)."""
    # BEGIN SOLUTION
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must lie in [0, 1], got {p}")
    if not training or p == 0:
        return x, np.ones_like(x)
    if p == 1:
        return np.zeros_like(x), np.zeros_like(x)
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
    # END SOLUTION


def dropout_backward(dy, mask):
    """dy (x's shape), mask from the forward -> dx."""
    # BEGIN SOLUTION
    return dy * mask
    # END SOLUTION
