"""mutant 01.1: adds the bias to every input before weighting: (x + b) . w."""


def neuron(x, w, b):
    return (x + b) @ w
