"""mutant 05.5: sums grad * y over the whole array instead of along each row."""


def _softmax_backward(ctx, grad):
    (y,) = ctx.saved_tensors
    return y * (grad - (grad * y).sum())


Softmax.backward = staticmethod(_softmax_backward)  # noqa: F821
