"""mutant 05.4: np.dot, which for 3-D arrays pairs every batch with every other."""

import numpy as np


def _matmul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    if a.ndim == 2 and b.ndim == 2:
        return np.dot(grad, b.T), np.dot(a.T, grad)
    grad_a = np.dot(grad, np.swapaxes(b, -1, -2))
    grad_b = np.dot(np.swapaxes(a, -1, -2), grad)
    return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)  # noqa: F821


MatMul.backward = staticmethod(_matmul_backward)  # noqa: F821
