"""mutant 10.6: dL/dy_hat = 2 (y_hat - y) without dividing by N * O (the loss is a mean)."""

import numpy as np


def train_step(params, x, y, lr):
    y_hat, _, _ = dense_moe_forward(x, params)
    diff = y_hat - y
    _, grads = dense_moe_backward(2.0 * diff, x, params)
    return float(np.mean(diff**2)), {k: v - lr * grads[k] for k, v in params.items()}
