"""mutant 03.5: np.array_split(order, n // batch_size): batches of uneven sizes."""

import numpy as np


def minibatch_indices(n, batch_size, rng):
    return np.array_split(rng.permutation(n), max(n // batch_size, 1))
