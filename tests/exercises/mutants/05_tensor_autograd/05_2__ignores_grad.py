"""mutant 05.2: returns the local derivatives b and a, ignoring the upstream gradient."""

import numpy as np


def _mul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    full = np.broadcast_shapes(a.shape, b.shape)
    return (unbroadcast(np.broadcast_to(b, full), a.shape),  # noqa: F821
            unbroadcast(np.broadcast_to(a, full), b.shape))  # noqa: F821


Mul.backward = staticmethod(_mul_backward)  # noqa: F821
