"""mutant 09.1: standardises every array with its OWN mean and std (the test set's statistics
leak into its preprocessing)."""

import numpy as np


def standardize_fit_transform(x_train, *others):
    out = []
    for x in (x_train, *others):
        x = np.asarray(x, dtype=np.float64)
        std = x.std(axis=0)
        out.append(((x - x.mean(axis=0)) / np.where(std == 0, 1.0, std)).astype(np.float32))
    return tuple(out)
