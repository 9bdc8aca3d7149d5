"""mutant 05.3: returns only grad_x, not (grad_x, None, None) for (x, axis, keepdims)."""

import numpy as np


def _sum_backward(ctx, grad):
    if ctx.axis is not None and not ctx.keepdims:
        axes = (ctx.axis,) if isinstance(ctx.axis, int) else tuple(ctx.axis)
        grad = np.expand_dims(grad, tuple(a % len(ctx.shape) for a in axes))
    return np.broadcast_to(grad, ctx.shape).copy()


Sum.backward = staticmethod(_sum_backward)  # noqa: F821
