"""mutant 05.2: returns grad * b and grad * a without summing back to the input shapes."""


def _mul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    return grad * b, grad * a


Mul.backward = staticmethod(_mul_backward)  # noqa: F821
