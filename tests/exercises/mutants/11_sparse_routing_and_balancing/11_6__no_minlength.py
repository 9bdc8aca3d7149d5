"""mutant 11.6: np.bincount(expert) without minlength: unused last experts are missing."""

import numpy as np


def collapse_stats(expert, n_experts):
    load = np.bincount(expert) / len(expert)
    used = load[load > 0]
    return load, float(load.max()), float(-(used * np.log(used)).sum())
