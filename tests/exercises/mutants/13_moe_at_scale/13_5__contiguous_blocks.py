"""mutant 13.5: the owner map ignored, expert e assumed on rank e // (E / P)."""

import numpy as np


def send_counts(expert_per_rank, owner, n_ranks):
    counts = np.zeros((n_ranks, n_ranks), dtype=np.int64)
    for src, expert in enumerate(expert_per_rank):
        expert = np.asarray(expert).reshape(-1)
        kept = expert[expert >= 0]
        counts[src] = np.bincount(kept * n_ranks // len(owner), minlength=n_ranks)
    return counts
