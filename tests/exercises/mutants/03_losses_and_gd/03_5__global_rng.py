"""mutant 03.5: shuffles with NumPy's global np.random instead of the rng passed in."""

import numpy as np


def minibatch_indices(n, batch_size, rng):
    order = np.random.permutation(n)  # noqa: NPY002 (the mistake this mutant makes)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]
