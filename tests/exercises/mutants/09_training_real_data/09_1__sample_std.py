"""mutant 09.1: uses the sample std (ddof=1) instead of the population std."""

import numpy as np


def standardize_fit_transform(x_train, *others):
    x_train = np.asarray(x_train, dtype=np.float64)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0, ddof=1)
    std = np.where(std == 0, 1.0, std)
    return tuple(((np.asarray(x) - mean) / std).astype(np.float32) for x in (x_train, *others))
