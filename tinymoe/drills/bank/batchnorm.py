"""Batch normalisation: forward and backward by hand

Batch norm (Ioffe & Szegedy 2015), training mode, on x (N, D): for every feature j,

    mu_j = mean_n x_nj,   var_j = mean_n (x_nj - mu_j)^2   (biased: divide by N)
    xhat = (x - mu) / sqrt(var + eps),   y = gamma * xhat + beta

with gamma, beta (D,).

Write:
- `batchnorm_forward(x, gamma, beta, eps=1e-5)` -> (y, cache): y (N, D); cache whatever
  your backward needs.
- `batchnorm_backward(dy, cache)` -> (dx, dgamma, dbeta), shapes (N, D), (D,), (D,).

The classic pitfall is dx: mu and var depend on every x_nj, so dx is not just
dy * gamma / sqrt(var + eps). The compact form is

    dx = gamma / (N * std) * (N * dy - sum_n dy - xhat * sum_n (dy * xhat))

Example: x = [[1], [3]], gamma = [2], beta = [0.5], eps = 0: mu = 2, var = 1,
y = [[-1.5], [2.5]]; with dy = [[1], [0]]: dbeta = [1], dgamma = [-1], dx = [[0], [0]]
(shifting both inputs together, or scaling them, leaves y unchanged).

Constraints: NumPy only, no loops over the batch or the features. Running averages for
evaluation mode are not part of this drill.
"""

import numpy as np

LEVEL = "hard"
TOPICS = ("normalization", "backprop")
MINUTES = 25
KIND = "implement"


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """x (N, D), gamma/beta (D,) -> y (N, D), cache."""
    # BEGIN SOLUTION
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    return gamma * xhat + beta, (xhat, gamma, std)
    # END SOLUTION


def batchnorm_backward(dy, cache):
    """dy (N, D) -> dx (N, D), dgamma (D,), dbeta (D,)."""
    # BEGIN SOLUTION
    xhat, gamma, std = cache
    n = dy.shape[0]
    dbeta = dy.sum(axis=0)
    dgamma = (dy * xhat).sum(axis=0)
    dx = gamma / (n * std) * (n * dy - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta
    # END SOLUTION
