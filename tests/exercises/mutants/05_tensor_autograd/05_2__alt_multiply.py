"""alternative 05.2: np.multiply, and its own summing back for b."""

import numpy as np


def _mul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    ga = unbroadcast(np.multiply(grad, b), np.shape(a))  # noqa: F821
    gb = np.multiply(grad, a)
    while gb.ndim > np.ndim(b):
        gb = gb.sum(axis=0)
    for axis, size in enumerate(np.shape(b)):
        if size == 1 and gb.shape[axis] != 1:
            gb = gb.sum(axis=axis, keepdims=True)
    return ga, gb


Mul.backward = staticmethod(_mul_backward)  # noqa: F821
