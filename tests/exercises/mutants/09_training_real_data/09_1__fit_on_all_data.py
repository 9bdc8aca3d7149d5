"""mutant 09.1: fits mean and std on train and test stacked together (seed 001's leak)."""

import numpy as np


def standardize_fit_transform(x_train, *others):
    arrays = [np.asarray(x, dtype=np.float64) for x in (x_train, *others)]
    both = np.concatenate(arrays)
    mean, std = both.mean(axis=0), both.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return tuple(((x - mean) / std).astype(np.float32) for x in arrays)
