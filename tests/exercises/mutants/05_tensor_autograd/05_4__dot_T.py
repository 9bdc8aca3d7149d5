"""mutant 05.4: .T for the transposes, which reverses ALL axes of a batched array."""


def _matmul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    return unbroadcast(grad @ b.T, a.shape), unbroadcast(a.T @ grad, b.shape)  # noqa: F821


MatMul.backward = staticmethod(_matmul_backward)  # noqa: F821
