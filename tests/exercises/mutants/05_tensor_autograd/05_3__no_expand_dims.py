"""mutant 05.3: broadcasts the gradient straight to x's shape, without re-inserting the
summed axes (right only when the summed axes are the leading ones)."""

import numpy as np


def _sum_backward(ctx, grad):
    return np.broadcast_to(grad, ctx.shape).copy(), None, None


Sum.backward = staticmethod(_sum_backward)  # noqa: F821
