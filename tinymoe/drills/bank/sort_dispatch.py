"""Sort-based MoE dispatch and combine

A router produced A assignments as flat arrays: `token` (A,), `expert` (A,) and `gate`
(A,) (with top-k, a token appears k times). Expert e is a linear map
`x @ W[e] + b[e]` with W (E, D, H), b (E, H). The MoE output is

    y[t] = sum over assignments a with token[a] == t of gate[a] * (x[t] @ W[e_a] + b[e_a])

and a token with no assignment gets a zero row. Looping over assignments one at a time
is far too slow; the standard layout sorts them by expert so that each expert owns one
contiguous segment, runs one matrix product per expert, and scatter-adds the results.

Write:
- `sort_by_expert(expert, n_experts)` -> (order, offsets): `order` (A,) a STABLE argsort
  of `expert` (assignments of the same expert keep their order), `offsets` (E + 1,) int
  with expert e owning sorted positions offsets[e]:offsets[e + 1].
- `moe_dispatch(x, token, expert, gate, W, b)` -> y (T, H) as defined above.

Example: expert = [2, 0, 2, 1, 0], E = 4 -> order = [1, 4, 3, 0, 2],
offsets = [0, 2, 3, 5, 5] (expert 3 has an empty segment).

Constraints: NumPy only; a loop over experts is fine (one matmul each), no loop over
tokens or assignments. Careful: `y[idx] += v` with repeated indices adds only once.
"""

import numpy as np

LEVEL = "hard"
TOPICS = ("moe", "kernels")
MINUTES = 30
KIND = "implement"


def sort_by_expert(expert, n_experts):
    """expert (A,) int -> order (A,) stable argsort, offsets (E + 1,)."""
    # BEGIN SOLUTION
    order = np.argsort(expert, kind="stable")
    offsets = np.zeros(n_experts + 1, dtype=np.int64)
    np.cumsum(np.bincount(expert, minlength=n_experts), out=offsets[1:])
    return order, offsets
    # END SOLUTION


def moe_dispatch(x, token, expert, gate, W, b):
    """x (T, D), token/expert/gate (A,), W (E, D, H), b (E, H) -> y (T, H)."""
    # BEGIN SOLUTION
    n_experts, _, hidden = W.shape
    order, offsets = sort_by_expert(expert, n_experts)
    rows = x[token[order]]  # (A, D) gathered in expert order
    out = np.empty((len(order), hidden), dtype=np.result_type(x, W))
    for e in range(n_experts):
        lo, hi = offsets[e], offsets[e + 1]
        out[lo:hi] = rows[lo:hi] @ W[e] + b[e]
    y = np.zeros((x.shape[0], hidden), dtype=out.dtype)
    np.add.at(y, token[order], gate[order, None] * out)
    return y
    # END SOLUTION
