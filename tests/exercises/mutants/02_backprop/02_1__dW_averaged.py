"""mutant 02.1: divides dW and db by the batch size (dy already carries the mean's 1/N)."""


def linear_backward(x, W, dy):
    n = x.shape[0]
    return dy @ W, dy.T @ x / n, dy.sum(axis=0) / n
