"""mutant 09.1: one mean and one std over the whole array (axis=None), not per feature."""

import numpy as np


def standardize_fit_transform(x_train, *others):
    x_train = np.asarray(x_train, dtype=np.float64)
    mean, std = x_train.mean(), x_train.std()
    return tuple(((np.asarray(x) - mean) / std).astype(np.float32) for x in (x_train, *others))
