"""mutant 05.1: removes at most one added leading axis (an if where a loop is needed)."""


def unbroadcast(grad, shape):
    shape = tuple(shape)
    if grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
