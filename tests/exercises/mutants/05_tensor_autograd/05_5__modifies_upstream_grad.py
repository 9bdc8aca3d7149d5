"""mutant 05.5: subtracts in place (grad -= ...), changing the upstream gradient array that
the engine may still need."""


def _softmax_backward(ctx, grad):
    (y,) = ctx.saved_tensors
    grad -= (grad * y).sum(axis=-1, keepdims=True)
    return y * grad


Softmax.backward = staticmethod(_softmax_backward)  # noqa: F821
