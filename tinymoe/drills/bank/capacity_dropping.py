"""Expert capacity and token dropping

On accelerators every expert gets a fixed-size buffer. With T tokens, E experts, top-k
routing and a capacity factor c, each expert has

    C = ceil(c * k * T / E)

slots (GShard / Switch Transformer). Assignments arrive as a flat array `expert` (A,) in
priority order (all first choices of tokens 0..T-1, then all second choices, ...). Each
expert keeps its first C assignments in that order; the rest are dropped (their token
gets nothing from that expert; a residual connection carries it through).

Write:
- `expert_capacity(n_tokens, n_experts, top_k, capacity_factor)` -> int C; raise
  `ValueError` for capacity_factor <= 0.
- `keep_mask(expert, n_experts, capacity)` -> bool array (A,): True for the first
  `capacity` assignments of every expert, in array order.

Example: expert = [0, 2, 0, 0, 2, 1], capacity = 2 -> keep = [T, T, T, F, T, T]
(the third assignment to expert 0 is dropped). `expert_capacity(10, 4, 2, 1.0)` = 5.

Constraints: NumPy only, no Python loop over assignments (a stable argsort of `expert`
and the start offset of each expert's segment give every assignment its rank); an
expert with no assignment is fine; A = 0 returns an empty mask.
"""

import math

import numpy as np

LEVEL = "medium"
TOPICS = ("moe",)
MINUTES = 20
KIND = "implement"


def expert_capacity(n_tokens, n_experts, top_k, capacity_factor):
    """ceil(capacity_factor * top_k * n_tokens / n_experts) -> int."""
    # BEGIN SOLUTION
    if capacity_factor <= 0:
        raise ValueError(f"expert_capacity: capacity_factor must be > 0, got {capacity_factor}")
    return math.ceil(capacity_factor * top_k * n_tokens / n_experts)
    # END SOLUTION


def keep_mask(expert, n_experts, capacity):
    """expert (A,) int in priority order -> keep (A,) bool, the first `capacity` per expert."""
    # BEGIN SOLUTION
    expert = np.asarray(expert, dtype=np.int64)
    order = np.argsort(expert, kind="stable")
    counts = np.bincount(expert, minlength=n_experts)
    starts = np.cumsum(counts) - counts
    rank = np.empty(len(expert), dtype=np.int64)
    rank[order] = np.arange(len(expert)) - starts[expert[order]]
    return rank < capacity
    # END SOLUTION
