"""Layer normalisation: forward and backward by hand

Layer norm (Ba et al. 2016), used in every transformer block, normalises each row over
its last axis (the features), so it behaves the same at training and test time and does
not depend on the batch:

    mu = mean(x, last axis),  var = mean((x - mu)^2, last axis)   (biased)
    xhat = (x - mu) / sqrt(var + eps),   y = gamma * xhat + beta

for x of shape (..., D) (any number of leading axes) and gamma, beta (D,).

Write:
- `layernorm_forward(x, gamma, beta, eps=1e-5)` -> (y, cache), y of x's shape.
- `layernorm_backward(dy, cache)` -> (dx, dgamma, dbeta): dx like x; dgamma, dbeta (D,),
  summed over ALL leading axes.

Per row, with std = sqrt(var + eps):
    dx = (gamma * dy - mean(gamma * dy) - xhat * mean(gamma * dy * xhat)) / std

Example: x = [[1, 3]], gamma = [1, 1], beta = [0, 0], eps = 0 -> y = [[-1, 1]].

Constraints: NumPy only, no Python loops; must work for x (B, T, D) as well as (N, D).
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("normalization", "backprop", "transformers")
MINUTES = 20
KIND = "implement"


def layernorm_forward(x, gamma, beta, eps=1e-5):
    """x (..., D), gamma/beta (D,) -> y (..., D), cache."""
    # BEGIN SOLUTION
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    return gamma * xhat + beta, (xhat, gamma, std)
    # END SOLUTION


def layernorm_backward(dy, cache):
    """dy (..., D) -> dx (..., D), dgamma (D,), dbeta (D,)."""
    # BEGIN SOLUTION
    xhat, gamma, std = cache
    lead = tuple(range(dy.ndim - 1))
    dbeta = dy.sum(axis=lead)
    dgamma = (dy * xhat).sum(axis=lead)
    g = dy * gamma
    dx = (g - g.mean(axis=-1, keepdims=True)
          - xhat * (g * xhat).mean(axis=-1, keepdims=True)) / std
    return dx, dgamma, dbeta
    # END SOLUTION
