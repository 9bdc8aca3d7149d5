"""mutant 09.1: subtracts and divides in place, overwriting the caller's x_train."""

import numpy as np


def standardize_fit_transform(x_train, *others):
    x_train = np.asarray(x_train, dtype=np.float64)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0
    x_train -= mean
    x_train /= std
    rest = [((np.asarray(x, dtype=np.float64) - mean) / std).astype(np.float32) for x in others]
    return (x_train.astype(np.float32), *rest)
