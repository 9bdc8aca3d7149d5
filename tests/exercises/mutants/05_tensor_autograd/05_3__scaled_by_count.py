"""mutant 05.3: divides by the number of summed entries (the backward of a mean, not a sum)."""

import numpy as np


def _sum_backward(ctx, grad):
    if ctx.axis is not None and not ctx.keepdims:
        axes = (ctx.axis,) if isinstance(ctx.axis, int) else tuple(ctx.axis)
        grad = np.expand_dims(grad, tuple(a % len(ctx.shape) for a in axes))
    count = np.prod(ctx.shape) / np.size(grad)
    return np.broadcast_to(grad, ctx.shape) / count, None, None


Sum.backward = staticmethod(_sum_backward)  # noqa: F821
