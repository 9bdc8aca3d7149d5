"""mutant 11.6: entropy with log2 (bits) instead of the natural log (nats)."""

import numpy as np


def collapse_stats(expert, n_experts):
    load = np.bincount(expert, minlength=n_experts) / len(expert)
    used = load[load > 0]
    return load, float(load.max()), float(-(used * np.log2(used)).sum())
