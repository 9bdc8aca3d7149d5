"""mutant 13.5: np.bincount without minlength: too short a row when the last ranks get nothing."""

import numpy as np


def send_counts(expert_per_rank, owner, n_ranks):
    counts = np.zeros((n_ranks, n_ranks), dtype=np.int64)
    for src, expert in enumerate(expert_per_rank):
        expert = np.asarray(expert).reshape(-1)
        counts[src] = np.bincount(owner[expert[expert >= 0]])
    return counts
