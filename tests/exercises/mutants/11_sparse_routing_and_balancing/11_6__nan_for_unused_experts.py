"""mutant 11.6: sums load * log(load) over every expert: 0 * log 0 = nan when one is unused."""

import numpy as np


def collapse_stats(expert, n_experts):
    load = np.bincount(expert, minlength=n_experts) / len(expert)
    return load, float(load.max()), float(-(load * np.log(load)).sum())
