"""mutant 11.6: reports the busiest expert's token count instead of its fraction."""

import numpy as np


def collapse_stats(expert, n_experts):
    counts = np.bincount(expert, minlength=n_experts)
    load = counts / len(expert)
    used = load[load > 0]
    return load, float(counts.max()), float(-(used * np.log(used)).sum())
