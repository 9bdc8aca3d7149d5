"""mutant 05.2: grad_a = grad * a and grad_b = grad * b (the local derivatives swapped)."""


def _mul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    return unbroadcast(grad * a, a.shape), unbroadcast(grad * b, b.shape)  # noqa: F821


Mul.backward = staticmethod(_mul_backward)  # noqa: F821
