"""mutant 08.2: steps by lr * g / ||g|| (a normalised step), not lr * g."""

import numpy as np


def sgd_step(p, g, lr):
    return p - lr * g / (np.linalg.norm(g) + 1e-12)
