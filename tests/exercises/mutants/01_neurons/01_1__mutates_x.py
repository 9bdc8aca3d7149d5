"""mutant 01.1: multiplies the caller's x in place (x *= w) to save memory."""


def neuron(x, w, b):
    x *= w
    return x.sum(axis=1) + b
