"""alternative 12.2: a counting sort by hand: offsets first, then each assignment placed
at the next free position of its expert (stable by construction)."""

import numpy as np


def sort_by_expert(expert, n_experts):
    offsets = np.zeros(n_experts + 1, dtype=np.int64)
    for e in expert:
        offsets[e + 1] += 1
    offsets = np.cumsum(offsets)
    fill = offsets[:-1].copy()
    order = np.empty(len(expert), dtype=np.int64)
    for a, e in enumerate(expert):
        order[fill[e]] = a
        fill[e] += 1
    return order, offsets
