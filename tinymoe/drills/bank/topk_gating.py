"""Top-k gating with renormalisation (Mixtral-style)

A top-k router turns router logits z (T, E) into, for every token, the k experts it
uses and their gates:

1. p = softmax(z) over the E experts (row-wise, numerically stable);
2. keep the k largest p per row, best first (ties: the lower expert id first);
3. for k > 1 renormalise over the kept ones: g_j = p_j / sum of the kept p. For k = 1
   keep the raw probability p_j: renormalising would make the gate identically 1, and the
   router would receive no gradient from the task loss.

Write `topk_gating(logits, k)` -> (idx, gates): idx (T, k) int expert ids, best first;
gates (T, k) float.

Example: logits = [[1, 3, 2, 0]] with k = 2: p ~ [0.087, 0.644, 0.237, 0.032],
idx = [[1, 2]], gates ~ [[0.731, 0.269]]. With k = 1: idx = [[1]], gates ~ [[0.644]].

Constraints: NumPy only, no Python loop over tokens (use `np.argsort(..., kind="stable")`
or `np.argpartition` + a sort); logits up to 1e3 must not overflow.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("moe",)
MINUTES = 15
KIND = "implement"


def topk_gating(logits, k):
    """logits (T, E), 1 <= k <= E -> idx (T, k) int, gates (T, k)."""
    # BEGIN SOLUTION
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    idx = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(probs, idx, axis=1)
    gates = picked / picked.sum(axis=1, keepdims=True) if k > 1 else picked
    return idx, gates
    # END SOLUTION
