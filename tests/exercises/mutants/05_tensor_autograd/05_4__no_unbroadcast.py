"""mutant 05.4: no unbroadcast: a b shared by the batch gets a batch of gradients."""

import numpy as np


def _matmul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    return grad @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ grad


MatMul.backward = staticmethod(_matmul_backward)  # noqa: F821
