"""mutant 05.5: y (1 - y) grad: only the Jacobian's diagonal."""


def _softmax_backward(ctx, grad):
    (y,) = ctx.saved_tensors
    return y * (1 - y) * grad


Softmax.backward = staticmethod(_softmax_backward)  # noqa: F821
