"""mutant 12.1: the capacity is rounded down, int(cf * k * T / E), instead of up."""

import numpy as np


def capacity_keep(expert, n_experts, capacity_factor):
    n_tokens, k = expert.shape
    capacity = int(capacity_factor * k * n_tokens / n_experts)
    flat = expert.T.reshape(-1)
    used = np.zeros(n_experts, dtype=np.int64)
    keep = np.zeros(flat.shape, dtype=bool)
    for a, e in enumerate(flat):
        keep[a] = used[e] < capacity
        used[e] += 1
    return capacity, keep.reshape(k, n_tokens).T
