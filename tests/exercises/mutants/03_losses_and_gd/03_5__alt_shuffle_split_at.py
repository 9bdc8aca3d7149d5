"""alternative 03.5: rng.shuffle of an arange, split at multiples of batch_size."""

import numpy as np


def minibatch_indices(n, batch_size, rng):
    order = np.arange(n)
    rng.shuffle(order)
    return np.split(order, range(batch_size, n, batch_size))
