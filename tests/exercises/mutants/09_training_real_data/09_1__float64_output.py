"""mutant 09.1: returns float64 arrays (no cast to float32)."""

import numpy as np


def standardize_fit_transform(x_train, *others):
    x_train = np.asarray(x_train, dtype=np.float64)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return tuple((np.asarray(x, dtype=np.float64) - mean) / std for x in (x_train, *others))
