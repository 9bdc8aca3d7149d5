"""mutant 05.2: grad *= b in place, so grad_b is computed from an already-scaled gradient
(and the caller's gradient array is changed)."""


def _mul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    grad *= b
    grad_a = unbroadcast(grad, a.shape)  # noqa: F821
    return grad_a, unbroadcast(grad / b * a, b.shape)  # noqa: F821


Mul.backward = staticmethod(_mul_backward)  # noqa: F821
