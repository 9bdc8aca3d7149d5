"""Linear layer: forward and backward

Write the two halves of a fully connected layer `y = x W^T + b` (PyTorch's layout: `W` has
one row per output unit):

- `linear_forward(x, W, b)`: `x` is `(N, D_in)`, `W` is `(D_out, D_in)`, `b` is `(D_out,)`;
  return `y` of shape `(N, D_out)`.
- `linear_backward(x, W, dy)`: given the upstream gradient `dy = dL/dy` of shape
  `(N, D_out)` (any values, not only ones), return `(dx, dW, db)`, the gradients of the
  same scalar loss `L` with respect to `x`, `W` and `b`, shaped like `x`, `W` and `b`.

Worked example:

    >>> x = np.array([[1.0, 2.0]]); W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> linear_forward(x, W, np.array([0.0, 0.0, 10.0]))
    array([[ 1.,  2., 13.]])
    >>> linear_backward(x, W, np.array([[1.0, 0.0, 2.0]]))
    (array([[3., 2.]]), array([[1., 2.], [0., 0.], [2., 4.]]), array([1., 0., 2.]))

Constraints: NumPy only, no Python loops (matrix products). The bias is shared by every row
of the batch, so its gradient sums over the batch. Do not modify the inputs.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("backprop",)
MINUTES = 15
KIND = "implement"


def linear_forward(x, W, b):
    """y = x W^T + b. x (N, D_in), W (D_out, D_in), b (D_out,) -> (N, D_out)."""
    # BEGIN SOLUTION
    return x @ W.T + b
    # END SOLUTION


def linear_backward(x, W, dy):
    """Gradients of L from dy = dL/dy (N, D_out): (dx (N, D_in), dW (D_out, D_in), db (D_out,))."""
    # BEGIN SOLUTION
    return dy @ W, dy.T @ x, np.sum(dy, axis=0)
    # END SOLUTION
