"""Expert-choice routing

In token-choice routing each token picks its experts, so some experts overflow while
others idle. Expert-choice routing (Zhou et al. 2022) turns it around: every expert picks
its C favourite tokens, so the load is perfectly balanced by construction.

Given router logits z (T, E) and a capacity C:
1. p = softmax(z) over the experts (each token's row sums to 1);
2. expert e picks the C tokens with the largest p[:, e], best first (ties: lower token id
   first);
3. the gate of (token t, expert e) is p[t, e].

Write `expert_choice(logits, capacity)` -> (token, gate): token (E, C) int, row e the
tokens expert e picked, best first; gate (E, C) = p[token[e, j], e]. Clip C to [1, T].

Example: z = [[2, 0], [0, 2], [1, 1]], C = 1: p ~ [[.881, .119], [.119, .881], [.5, .5]];
expert 0 picks token 0, expert 1 picks token 1: token = [[0], [1]], gate ~ [[.881],
[.881]]. Token 2 gets no expert at all (its output would be 0), and a token may be picked
by several experts.

Constraints: NumPy only, no Python loop over experts or tokens. Bonus question: why can't
a decoder-only language model use this router at generation time?
"""

import numpy as np

LEVEL = "medium"
TOPICS = ("moe",)
MINUTES = 15
KIND = "implement"


def expert_choice(logits, capacity):
    """logits (T, E), capacity int -> token (E, C) int, gate (E, C)."""
    # BEGIN SOLUTION
    n_tokens, n_experts = logits.shape
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    capacity = min(max(int(capacity), 1), n_tokens)
    token = np.argsort(-probs.T, axis=1, kind="stable")[:, :capacity]
    gate = np.take_along_axis(probs.T, token, axis=1)
    return token, gate
    # END SOLUTION
