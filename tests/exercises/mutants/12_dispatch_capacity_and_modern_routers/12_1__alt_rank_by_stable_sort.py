"""alternative 12.1: vectorised: each assignment's rank within its expert from a stable
argsort of the priority-ordered expert ids, kept when rank < C."""

import math

import numpy as np


def capacity_keep(expert, n_experts, capacity_factor):
    n_tokens, k = expert.shape
    capacity = math.ceil(capacity_factor * k * n_tokens / n_experts)
    flat = expert.T.reshape(-1)
    order = np.argsort(flat, kind="mergesort")
    counts = np.bincount(flat, minlength=n_experts)
    starts = np.cumsum(counts) - counts
    rank = np.empty(len(flat), dtype=np.int64)
    rank[order] = np.arange(len(flat)) - starts[flat[order]]
    return capacity, (rank < capacity).reshape(k, n_tokens).T
