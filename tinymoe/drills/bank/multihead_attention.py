"""Multi-head attention: split and merge the heads

Multi-head attention runs H attention heads side by side on slices of the model width D
(head size Dh = D / H). With x (B, T, D) and projections Wq, Wk, Wv, Wo (D, D):

    q, k, v = x @ Wq, x @ Wk, x @ Wv                      each (B, T, D)
    split:  (B, T, D) -> (B, H, T, Dh)   head h owns columns h*Dh:(h+1)*Dh
    per head: softmax(q k^T / sqrt(Dh) + causal mask) v   (B, H, T, Dh)
    merge:  (B, H, T, Dh) -> (B, T, D)   the inverse of split
    out = merged @ Wo                                      (B, T, D)

Write:
- `split_heads(x, n_heads)`: (B, T, D) -> (B, H, T, Dh); raise ValueError when D is not
  a multiple of n_heads.
- `merge_heads(x)`: (B, H, T, Dh) -> (B, T, H * Dh).
- `multi_head_attention(x, Wq, Wk, Wv, Wo, n_heads, causal=True)` -> (B, T, D), with
  all heads computed at once (batched matmul, no loop over heads).

Example: x of shape (2, 5, 12) with 3 heads: split gives (2, 3, 5, 4) and
split_heads(x, 3)[b, h, t] == x[b, t, 4*h:4*h+4]. The classic bug is
`x.reshape(B, H, T, Dh)`: right shape, wrong numbers (it mixes positions into heads);
reshape to (B, T, H, Dh) and then swap axes 1 and 2.

Constraints: NumPy only; stable softmax; no loops over batch, heads or positions.
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("attention", "transformers")
MINUTES = 20
KIND = "implement"


def split_heads(x, n_heads):
    """(B, T, D) -> (B, H, T, D // H)."""
    # BEGIN SOLUTION
    batch, n_tokens, width = x.shape
    if width % n_heads:
        raise ValueError(f"split_heads: width {width} is not a multiple of {n_heads} heads")
    return x.reshape(batch, n_tokens, n_heads, width // n_heads).transpose(0, 2, 1, 3)
    # END SOLUTION


def merge_heads(x):
    """(B, H, T, Dh) -> (B, T, H * Dh)."""
    # BEGIN SOLUTION
    batch, n_heads, n_tokens, head = x.shape
    return x.transpose(0, 2, 1, 3).reshape(batch, n_tokens, n_heads * head)
    # END SOLUTION


def multi_head_attention(x, Wq, Wk, Wv, Wo, n_heads, causal=True):
    """x (B, T, D), W* (D, D) -> (B, T, D)."""
    # BEGIN SOLUTION
    q, k, v = (split_heads(x @ w, n_heads) for w in (Wq, Wk, Wv))
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1])
    if causal:
        n_tokens = x.shape[1]
        scores = np.where(np.tri(n_tokens, dtype=bool), scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return merge_heads(weights @ v) @ Wo
    # END SOLUTION
