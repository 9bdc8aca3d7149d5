"""mutant 07.6: returns a float (np.prod of float shapes), not an integer count."""

import numpy as np


def num_parameters(module):
    return float(sum(np.prod(p.shape, dtype=float) for p in module.parameters()))
