"""mutant 05.4: np.swapaxes(x, 0, 1): the right transpose for 2-D, the wrong axes in a batch."""

import numpy as np


def _matmul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    grad_a = grad @ np.swapaxes(b, 0, 1)
    grad_b = np.swapaxes(a, 0, 1) @ grad
    return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)  # noqa: F821


MatMul.backward = staticmethod(_matmul_backward)  # noqa: F821
