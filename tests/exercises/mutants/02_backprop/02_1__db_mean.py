"""mutant 02.1: db is the mean of dy over the batch instead of the sum."""


def linear_backward(x, W, dy):
    return dy @ W, dy.T @ x, dy.mean(axis=0)
