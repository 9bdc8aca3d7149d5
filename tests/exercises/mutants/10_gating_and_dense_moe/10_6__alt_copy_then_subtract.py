"""alternative 10.6: copies every array, then updates the copies in place; loss via sum / size."""

import numpy as np


def train_step(params, x, y, lr):
    y_hat = dense_moe_forward(x, params)[0]
    n_entries = y_hat.shape[0] * y_hat.shape[1]
    loss = float(np.sum((y_hat - y) ** 2) / n_entries)
    _, grads = dense_moe_backward((y_hat - y) * (2.0 / n_entries), x, params)
    new = {k: np.array(v, copy=True) for k, v in params.items()}
    for k in new:
        new[k] -= lr * grads[k]
    return loss, new
