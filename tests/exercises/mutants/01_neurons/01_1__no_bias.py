"""mutant 01.1: forgets the bias: z = x . w."""


def neuron(x, w, b):
    return x @ w
