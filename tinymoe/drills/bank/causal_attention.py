"""Scaled dot-product attention with a causal mask

The core of a transformer (Vaswani et al. 2017):

    weights = softmax(q k^T / sqrt(d) + mask),   out = weights v

with q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv) and any leading batch/head axes; the
softmax runs over the keys (last axis). With `causal=True` (Tq == Tk) query i may only
look at keys j <= i: the mask is 0 on and below the diagonal and -inf above it, so
future tokens get weight exactly 0 and a language model cannot peek at the token it must
predict.

Write `attention(q, k, v, causal=False)` -> (out, weights): out (..., Tq, dv), weights
(..., Tq, Tk), every row of weights summing to 1.

Example: q = k = [[1, 0], [0, 1]] (T = 2, d = 2), v = [[1, 2], [3, 4]], causal=True:
row 0 sees only key 0 -> out[0] = [1, 2]; row 1: scores [0, 1/sqrt 2], weights
~ [0.330, 0.670], out[1] ~ [2.34, 3.34].

Constraints: NumPy only, no loops over batch, heads or positions (use `@` and
`np.swapaxes`); stable for large scores (subtract the row max); raise ValueError for
causal=True when Tq != Tk.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("attention", "transformers")
MINUTES = 20
KIND = "implement"


def attention(q, k, v, causal=False):
    """q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv) -> out (..., Tq, dv), weights."""
    # BEGIN SOLUTION
    n_q, n_k = q.shape[-2], k.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if causal:
        if n_q != n_k:
            raise ValueError(f"attention: causal needs Tq == Tk, got {n_q} and {n_k}")
        scores = np.where(np.tri(n_q, dtype=bool), scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights
    # END SOLUTION
