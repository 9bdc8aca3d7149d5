"""mutant 05.1: sums only the added leading axes, forgetting stretched size-1 axes."""


def unbroadcast(grad, shape):
    extra = grad.ndim - len(shape)
    return grad.sum(axis=tuple(range(extra))) if extra else grad
