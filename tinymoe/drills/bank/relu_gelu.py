"""ReLU and GELU with their derivatives

Write four elementwise functions of a NumPy array `x` (any shape; each returns an array of
the same shape):

- `relu(x) = max(x, 0)` and `relu_grad(x)`, its derivative: 1 where `x > 0`, else 0 (take 0
  at `x = 0`, as the frameworks do).
- `gelu(x) = x * Phi(x)`, the exact GELU, where `Phi(x) = (1 + erf(x / sqrt(2))) / 2` is the
  standard normal CDF, and `gelu_grad(x)`, its derivative `Phi(x) + x * phi(x)` with
  `phi(x) = exp(-x^2 / 2) / sqrt(2 pi)` the normal density.

Worked example:

    >>> relu(np.array([-2.0, 0.0, 3.0])), relu_grad(np.array([-2.0, 0.0, 3.0]))
    (array([0., 0., 3.]), array([0., 0., 1.]))
    >>> gelu(np.array([0.0, 1.0])), gelu_grad(np.array([0.0]))
    (array([0.        , 0.84134475]), array([0.5]))

Constraints: NumPy plus `math.erf` (NumPy has no erf: `np.vectorize(math.erf)` is fine).
Derive `gelu_grad` yourself: no finite differences inside it. At `x = +-1e4` every function
must return finite values (GELU is `x` or 0 there, its derivative 1 or 0).
"""

import math

import numpy as np

LEVEL = "easy"
TOPICS = ("backprop", "numerics")
MINUTES = 15
KIND = "implement"


def relu(x):
    """max(x, 0) elementwise; same shape as x."""
    # BEGIN SOLUTION
    return np.maximum(x, 0.0)
    # END SOLUTION


def relu_grad(x):
    """d relu / dx: 1.0 where x > 0, else 0.0; same shape as x."""
    # BEGIN SOLUTION
    return (x > 0).astype(np.float64)
    # END SOLUTION


def gelu(x):
    """Exact GELU x * Phi(x) elementwise; same shape as x."""
    # BEGIN SOLUTION
    return x * 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))
    # END SOLUTION


def gelu_grad(x):
    """d gelu / dx = Phi(x) + x phi(x) elementwise; same shape as x."""
    # BEGIN SOLUTION
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return cdf + x * pdf
    # END SOLUTION
