"""mutant 05.3: always re-inserts the summed axes, even when keepdims already kept them."""

import numpy as np


def _sum_backward(ctx, grad):
    if ctx.axis is not None:
        axes = (ctx.axis,) if isinstance(ctx.axis, int) else tuple(ctx.axis)
        grad = np.expand_dims(grad, tuple(a % len(ctx.shape) for a in axes))
    return np.broadcast_to(grad, ctx.shape).copy(), None, None


Sum.backward = staticmethod(_sum_backward)  # noqa: F821
