"""mutant 08.2: p + lr * g: a step UP the gradient."""


def sgd_step(p, g, lr):
    return p + lr * g
