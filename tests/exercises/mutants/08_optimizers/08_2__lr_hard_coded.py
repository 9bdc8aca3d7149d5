"""mutant 08.2: uses a fixed learning rate of 0.01, ignoring `lr`."""


def sgd_step(p, g, lr):
    return p - 0.01 * g
