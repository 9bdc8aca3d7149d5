"""mutant 05.3: re-inserts the axes one at a time in the order given, without normalising
negative axes, so (0, -1) lands in the wrong place."""

import numpy as np


def _sum_backward(ctx, grad):
    if ctx.axis is not None and not ctx.keepdims:
        axes = (ctx.axis,) if isinstance(ctx.axis, int) else tuple(ctx.axis)
        for a in sorted(axes, reverse=True):
            grad = np.expand_dims(grad, a)
    return np.broadcast_to(grad, ctx.shape).copy(), None, None


Sum.backward = staticmethod(_sum_backward)  # noqa: F821
