"""mutant 10.6: returns the loss measured after the update instead of before it."""

import numpy as np


def train_step(params, x, y, lr):
    y_hat, _, _ = dense_moe_forward(x, params)
    diff = y_hat - y
    _, grads = dense_moe_backward(2.0 * diff / diff.size, x, params)
    new = {k: v - lr * grads[k] for k, v in params.items()}
    return float(np.mean((dense_moe_forward(x, new)[0] - y) ** 2)), new
