"""Expert capacity: how many assignments each expert may take, and which are dropped.

``capacity_factor=None`` means dropless: every assignment runs. Otherwise each expert
has ``C = ceil(capacity_factor * k * T / E)`` slots (GShard/Switch; with factor 1 and
perfect balance every slot is used). Assignments arrive in priority order (all first
choices, then all second choices), and each expert keeps its first C: first choices take
slots before second choices, ties in order of token position. Dropped assignments add
nothing to their token's output (0), so a residual connection carries the token through.
"""

import math

import numpy as np


def expert_capacity(n_tokens: int, n_experts: int, top_k: int, capacity_factor: float) -> int:
    """``ceil(capacity_factor * top_k * n_tokens / n_experts)`` slots per expert."""
    if capacity_factor <= 0:
        raise ValueError(f"expert_capacity: capacity_factor must be > 0, got {capacity_factor}")
    return math.ceil(capacity_factor * top_k * n_tokens / n_experts)


def within_capacity(expert: np.ndarray, n_experts: int, capacity: int) -> np.ndarray:
    """Boolean keep-mask (A,): True for the first ``capacity`` assignments of each expert
    in the given (priority) order. Deterministic: no randomness, stable sort."""
    order = np.argsort(expert, kind="stable")
    counts = np.bincount(expert, minlength=n_experts)
    starts = np.cumsum(counts) - counts
    rank = np.empty(len(expert), dtype=np.int64)
    rank[order] = np.arange(len(expert)) - starts[expert[order]]  # slot within its expert
    return rank < capacity
