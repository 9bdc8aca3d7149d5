"""Gradient check with central differences

Write the two tools used to test any backward pass:

- `numerical_gradient(f, x, eps=1e-6)`: `f` maps a float64 array `x` (any shape) to a
  Python float. Return an array shaped like `x` whose entry `i` is the central difference
  `(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`, `e_i` the unit array at index `i`.
- `relative_error(analytic, numeric)`: the largest entrywise relative error
  `|a - n| / max(|a| + |n|, 1e-12)` between two arrays of the same shape, a Python float
  (0.0 where both entries are 0).

Worked example:

    >>> numerical_gradient(lambda a: float(np.sum(a ** 2)), np.array([[1.0, -2.0]]))
    array([[ 2., -4.]])
    >>> relative_error(np.array([1.0, 0.0]), np.array([1.001, 0.0]))
    0.0004997501249374762

Constraints: NumPy; a loop over the entries of `x` is expected (`np.ndindex`). Central, not
forward, differences (their error is O(eps^2), not O(eps)). When the function returns, `x`
must hold exactly its original values (perturb a copy, or restore each entry).
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("backprop", "debugging", "numerics")
MINUTES = 15
KIND = "implement"


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar f at x; an array shaped like x."""
    # BEGIN SOLUTION
    x = np.array(x, dtype=np.float64)  # a copy: the caller's x is never touched
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        keep = x[idx]
        x[idx] = keep + eps
        up = f(x)
        x[idx] = keep - eps
        down = f(x)
        x[idx] = keep
        grad[idx] = (up - down) / (2 * eps)
    return grad
    # END SOLUTION


def relative_error(analytic, numeric):
    """max |a - n| / max(|a| + |n|, 1e-12) over the entries, a float."""
    # BEGIN SOLUTION
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-12), initial=0.0))
    # END SOLUTION
