"""mutant 05.5: y * (grad - grad.sum(-1)): the sum forgets to weight by y."""


def _softmax_backward(ctx, grad):
    (y,) = ctx.saved_tensors
    return y * (grad - grad.sum(axis=-1, keepdims=True))


Softmax.backward = staticmethod(_softmax_backward)  # noqa: F821
