"""mutant 10.6: updates the caller's arrays in place (params[k] -= lr * grad)."""

import numpy as np


def train_step(params, x, y, lr):
    y_hat, _, _ = dense_moe_forward(x, params)
    diff = y_hat - y
    _, grads = dense_moe_backward(2.0 * diff / diff.size, x, params)
    for k in params:
        params[k] -= lr * grads[k]
    return float(np.mean(diff**2)), params
