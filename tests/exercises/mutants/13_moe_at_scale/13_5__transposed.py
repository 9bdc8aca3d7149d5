"""mutant 13.5: counts laid out [dst, src] (the receiver's view) instead of [src, dst]."""

import numpy as np


def send_counts(expert_per_rank, owner, n_ranks):
    counts = np.zeros((n_ranks, n_ranks), dtype=np.int64)
    for src, expert in enumerate(expert_per_rank):
        expert = np.asarray(expert).reshape(-1)
        counts[src] = np.bincount(owner[expert[expert >= 0]], minlength=n_ranks)
    return counts.T
