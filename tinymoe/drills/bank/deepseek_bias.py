"""DeepSeek-V3 routing with auxiliary-loss-free bias balancing

DeepSeek-V3 (2024) balances its experts without a balancing loss. Each expert i has a
bias b_i that is not a trained parameter (no gradient touches it):

1. affinities s = sigmoid(z) for router logits z (T, E);
2. each token selects the top k experts of s + b (best first; ties: the lower id);
3. the gates come from the UNBIASED affinities, normalised over the selected experts:
   g_j = s_j / sum over the k selected of s (the bias steers selection only);
4. after each optimiser step, with load_i = number of assignments expert i received in
   the batch: b_i <- b_i + gamma * sign(mean(load) - load_i)
   (overloaded experts become less attractive, idle ones more).

Write:
- `deepseek_route(logits, bias, k)` -> (idx, gates), both (T, k); idx int, best first.
- `update_bias(bias, idx, gamma)` -> the new bias (E,) (return a new array; do not
  modify `bias` in place); `idx` is the (T, k) selection of the last batch.

Example: z = [[0, 0, 2]], b = [0, 3, 0], k = 2: s ~ [.5, .5, .881]; s + b ~ [.5, 3.5,
.881] selects [1, 2]; gates ~ [.5, .881] / 1.381 = [.362, .638]. Then with gamma = 0.1
the load is [0, 1, 1], mean 2/3: the new bias is [0.1, 2.9, -0.1].

Constraints: NumPy only, no Python loop over tokens; the helper `_sigmoid` (given) does
not overflow for logits of -1e3.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("moe",)
MINUTES = 20
KIND = "implement"


def _sigmoid(z):
    """1 / (1 + exp(-z)) without overflow for large |z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def deepseek_route(logits, bias, k):
    """logits (T, E), bias (E,), k -> idx (T, k) int, gates (T, k)."""
    # BEGIN SOLUTION
    s = _sigmoid(logits)
    idx = np.argsort(-(s + bias), axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(s, idx, axis=1)
    return idx, picked / picked.sum(axis=1, keepdims=True)
    # END SOLUTION


def update_bias(bias, idx, gamma):
    """bias (E,), idx (T, k) selected experts, gamma -> new bias (E,)."""
    # BEGIN SOLUTION
    load = np.bincount(np.ravel(idx), minlength=len(bias)).astype(np.float64)
    return bias + gamma * np.sign(load.mean() - load)
    # END SOLUTION
