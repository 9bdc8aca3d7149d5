"""mutant 02.1: dW = x^T dy, the (D_in, D_out) layout of y = x W + b, transposed for W (out, in)."""


def linear_backward(x, W, dy):
    return dy @ W, x.T @ dy, dy.sum(axis=0)
