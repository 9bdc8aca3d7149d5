"""mutant 05.4: averages the shared operand's gradient over the batch instead of summing."""

import numpy as np


def _matmul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    grad_a = grad @ np.swapaxes(b, -1, -2)
    grad_b = np.swapaxes(a, -1, -2) @ grad
    while grad_a.ndim > a.ndim:
        grad_a = grad_a.mean(axis=0)
    while grad_b.ndim > b.ndim:
        grad_b = grad_b.mean(axis=0)
    return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)  # noqa: F821


MatMul.backward = staticmethod(_matmul_backward)  # noqa: F821
