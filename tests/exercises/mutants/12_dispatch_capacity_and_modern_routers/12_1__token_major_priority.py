"""mutant 12.1: slots handed out token by token (token 0's k choices, then token 1's), not
all first choices before any second choice."""

import math

import numpy as np


def capacity_keep(expert, n_experts, capacity_factor):
    n_tokens, k = expert.shape
    capacity = math.ceil(capacity_factor * k * n_tokens / n_experts)
    used = np.zeros(n_experts, dtype=np.int64)
    keep = np.zeros(expert.shape, dtype=bool)
    for t in range(n_tokens):
        for c in range(k):
            e = expert[t, c]
            keep[t, c] = used[e] < capacity
            used[e] += 1
    return capacity, keep
