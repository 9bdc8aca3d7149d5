"""mutant 10.6: only the experts are trained; the gate keeps its initial weights."""

import numpy as np


def train_step(params, x, y, lr):
    y_hat, _, _ = dense_moe_forward(x, params)
    diff = y_hat - y
    _, grads = dense_moe_backward(2.0 * diff / diff.size, x, params)
    new = {k: v.copy() for k, v in params.items()}
    new["We"] = params["We"] - lr * grads["We"]
    new["be"] = params["be"] - lr * grads["be"]
    return float(np.mean(diff**2)), new
