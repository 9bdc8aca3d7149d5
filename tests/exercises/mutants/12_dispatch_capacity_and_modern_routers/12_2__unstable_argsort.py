"""mutant 12.2: np.argsort(expert) with the default (unstable) quicksort."""

import numpy as np


def sort_by_expert(expert, n_experts):
    order = np.argsort(expert)
    counts = np.bincount(expert, minlength=n_experts)
    return order, np.concatenate([[0], np.cumsum(counts)])
