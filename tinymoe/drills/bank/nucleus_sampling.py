"""Top-k and nucleus (top-p) sampling

Logits `(B, V)`: one row per sequence, one column per vocabulary token.

1. `top_k_filter(logits, k)`: return a copy where every logit smaller than the row's k-th
   largest is set to `-inf` (ties with the k-th largest are kept, so a row may keep more
   than `k`). `k >= V` keeps everything.
2. `top_p_filter(logits, p)`: nucleus filtering. Sort each row's tokens by probability
   (softmax of the row), highest first, equal probabilities in increasing token id. Keep a
   token if the probability mass of the tokens *before* it in that order is `< p`; set the
   others to `-inf`. This keeps the smallest prefix whose mass reaches `p`, and always at
   least the most likely token. `p = 1` keeps everything.
3. `sample(logits, rng, temperature=1.0, k=None, p=None)`: divide by `temperature`, then
   apply top-k (if `k`), then top-p (if `p`) on the result, and draw one token per row
   from the softmax of the filtered logits with `rng` (a `np.random.Generator`). Return
   `(B,)` int token ids. A filtered-out token must never be drawn.

Worked example (one row): probabilities `[0.5, 0.2, 0.2, 0.1]`:
`top_p_filter` with `p = 0.6` keeps tokens 0 and 1 (mass before token 1 is 0.5 < 0.6,
before token 2 is 0.7); with `p = 0.4` it keeps token 0 only; `top_k_filter` with `k = 2`
keeps tokens 0, 1 and 2 (a tie at the 2nd largest).

Constraints: NumPy only; no Python loop over the rows or the vocabulary. Inputs are not
modified.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("sampling", "transformers")
MINUTES = 25
KIND = "implement"


def top_k_filter(logits, k):
    """(B, V) -> (B, V) copy with logits below each row's k-th largest set to -inf."""
    # BEGIN SOLUTION
    logits = np.asarray(logits, dtype=float)
    if k >= logits.shape[-1]:
        return logits.copy()
    kth = np.sort(logits, axis=-1)[:, -k][:, None]
    return np.where(logits < kth, -np.inf, logits)
    # END SOLUTION


def top_p_filter(logits, p):
    """(B, V) -> (B, V) copy keeping each row's nucleus of mass >= p, others -inf."""
    # BEGIN SOLUTION
    logits = np.asarray(logits, dtype=float)
    probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    order = np.argsort(-probs, axis=-1, kind="stable")
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    before = np.cumsum(sorted_probs, axis=-1) - sorted_probs
    keep_sorted = before < p
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    return np.where(keep, logits, -np.inf)
    # END SOLUTION


def sample(logits, rng, temperature=1.0, k=None, p=None):
    """(B, V) logits -> (B,) int token ids drawn from the filtered softmax."""
    # BEGIN SOLUTION
    z = np.asarray(logits, dtype=float) / temperature
    if k is not None:
        z = top_k_filter(z, k)
    if p is not None:
        z = top_p_filter(z, p)
    probs = np.exp(z - z.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    u = rng.random((len(z), 1))
    ids = (np.cumsum(probs, axis=-1) < u).sum(axis=-1)
    return np.minimum(ids, z.shape[-1] - 1)
    # END SOLUTION
