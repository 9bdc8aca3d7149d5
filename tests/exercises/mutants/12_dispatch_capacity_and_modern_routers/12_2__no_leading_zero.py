"""mutant 12.2: offsets = cumsum(counts), without the leading 0 (E entries, not E + 1)."""

import numpy as np


def sort_by_expert(expert, n_experts):
    order = np.argsort(expert, kind="stable")
    return order, np.cumsum(np.bincount(expert, minlength=n_experts))
