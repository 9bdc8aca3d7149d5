"""mutant 05.1: averages over the broadcast axes instead of summing."""


def unbroadcast(grad, shape):
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.mean(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.mean(axis=stretched, keepdims=True)
    return grad
