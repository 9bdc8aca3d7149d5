"""mutant 05.1: looks for stretched axes before removing the leading ones, so the axes of
`shape` are compared with the wrong axes of grad."""


def unbroadcast(grad, shape):
    shape = tuple(shape)
    stretched = tuple(
        i for i, n in enumerate(shape) if n == 1 and i < grad.ndim and grad.shape[i] != 1
    )
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    return grad.reshape(shape) if grad.size == 1 else grad
