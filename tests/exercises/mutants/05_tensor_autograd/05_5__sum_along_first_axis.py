"""mutant 05.5: takes the sum along axis 0 instead of the last axis."""


def _softmax_backward(ctx, grad):
    (y,) = ctx.saved_tensors
    return y * (grad - (grad * y).sum(axis=0, keepdims=True))


Softmax.backward = staticmethod(_softmax_backward)  # noqa: F821
