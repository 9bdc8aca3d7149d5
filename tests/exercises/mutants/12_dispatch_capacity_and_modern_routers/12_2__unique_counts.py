"""mutant 12.2: counts from np.unique(return_counts=True), which skips experts nobody chose."""

import numpy as np


def sort_by_expert(expert, n_experts):
    order = np.argsort(expert, kind="stable")
    _, counts = np.unique(expert, return_counts=True)
    return order, np.concatenate([[0], np.cumsum(counts)])
