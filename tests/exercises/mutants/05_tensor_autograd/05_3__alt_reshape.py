"""alternative 05.3: reshape to x's shape with 1 on the summed axes, then add zeros."""

import numpy as np


def _sum_backward(ctx, grad):
    ndim = len(ctx.shape)
    if ctx.axis is None:
        axes = set(range(ndim))
    else:
        axes = {a % ndim for a in ((ctx.axis,) if isinstance(ctx.axis, int) else ctx.axis)}
    kept = tuple(1 if i in axes else n for i, n in enumerate(ctx.shape))
    return np.zeros(ctx.shape) + np.reshape(grad, kept), None, None


Sum.backward = staticmethod(_sum_backward)  # noqa: F821
