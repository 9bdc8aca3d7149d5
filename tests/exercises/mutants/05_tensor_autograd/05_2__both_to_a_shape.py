"""mutant 05.2: unbroadcasts both gradients to a's shape."""


def _mul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    return unbroadcast(grad * b, a.shape), unbroadcast(grad * a, a.shape)  # noqa: F821


Mul.backward = staticmethod(_mul_backward)  # noqa: F821
