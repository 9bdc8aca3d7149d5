"""mutant 12.1: the capacity leaves out k, C = ceil(cf * T / E), as if each token had 1 expert."""

import math

import numpy as np


def capacity_keep(expert, n_experts, capacity_factor):
    n_tokens, k = expert.shape
    capacity = math.ceil(capacity_factor * n_tokens / n_experts)
    flat = expert.T.reshape(-1)
    used = np.zeros(n_experts, dtype=np.int64)
    keep = np.zeros(flat.shape, dtype=bool)
    for a, e in enumerate(flat):
        keep[a] = used[e] < capacity
        used[e] += 1
    return capacity, keep.reshape(k, n_tokens).T
