"""mutant 12.2: np.bincount(expert) without minlength: experts after the largest chosen id
get no offset."""

import numpy as np


def sort_by_expert(expert, n_experts):
    order = np.argsort(expert, kind="stable")
    counts = np.bincount(expert)
    return order, np.concatenate([[0], np.cumsum(counts)])
