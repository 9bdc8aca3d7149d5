"""Spot the bug: combining expert outputs with repeated token indices

This code has a bug (or several): find and fix it.

What the code is supposed to do. In a mixture-of-experts layer with top-k routing, each
of the `n_tokens` tokens is sent to `k` experts. After dispatch, the experts' work is a
list of `M = n_tokens * k` rows ("slots"): slot `i` holds token `token_ids[i]`, processed
by some expert, with router weight `gates[i]`.

- `dispatch(x, token_ids)`: gathers the tokens' rows, `x` `(n_tokens, d)` ->
  `(M, d)`, `x[token_ids]` (correct as given).
- `dispatch_backward(grad_slots, token_ids, n_tokens)`: the gradient of `dispatch` with
  respect to `x`: `(M, d)` -> `(n_tokens, d)`; each token's row receives the sum of the
  gradients of all its slots.
- `combine(expert_out, gates, token_ids, n_tokens)`: `(M, d)` expert outputs ->
  `(n_tokens, d)`, `out[t] = sum over the slots i of token t of gates[i] * expert_out[i]`.
  A token with no slot gets zeros.

Worked example (`n_tokens = 2`, `k = 2`, `d = 1`): `token_ids = [0, 1, 0, 1]`,
`gates = [0.7, 0.6, 0.3, 0.4]`, `expert_out = [[1], [2], [3], [4]]`: `combine` gives
`[[0.7 * 1 + 0.3 * 3], [0.6 * 2 + 0.4 * 4]] = [[1.6], [2.8]]`.

Constraints: NumPy only, no Python loop over the slots.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("moe", "backprop", "debugging")
MINUTES = 10
KIND = "spot-the-bug"


def dispatch(x, token_ids):
    """(n_tokens, d) -> (M, d): the row of each slot's token."""
    return x[token_ids]


def dispatch_backward(grad_slots, token_ids, n_tokens):
    """(M, d) gradient of dispatch's output -> (n_tokens, d) gradient of x."""
    grad_x = np.zeros((n_tokens, grad_slots.shape[1]), dtype=grad_slots.dtype)
    # BEGIN SOLUTION
    np.add.at(grad_x, token_ids, grad_slots)
    return grad_x
    # BUGGY
    grad_x[token_ids] += grad_slots
    return grad_x
    # END SOLUTION


def combine(expert_out, gates, token_ids, n_tokens):
    """(M, d) expert outputs, (M,) gates -> (n_tokens, d) gate-weighted sums per token."""
    out = np.zeros((n_tokens, expert_out.shape[1]), dtype=expert_out.dtype)
    # BEGIN SOLUTION
    np.add.at(out, token_ids, gates[:, None] * expert_out)
    return out
    # BUGGY
    out[token_ids] += gates[:, None] * expert_out
    return out
    # END SOLUTION
