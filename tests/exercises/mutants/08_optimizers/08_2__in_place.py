"""mutant 08.2: updates p in place (p -= lr * g) and returns it: the caller's array changes."""


def sgd_step(p, g, lr):
    p -= lr * g
    return p
