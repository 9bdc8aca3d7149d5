"""Switch Transformer load-balancing loss

A router sends each token to experts; without a balancing term it collapses onto a few
experts. The Switch Transformer (Fedus et al. 2022) adds

    L = E * sum_i f_i * P_i

where, for `E` experts,
- `f_i` = fraction of the routed assignments that went to expert `i` (counts / A, a
  constant: the argmax is not differentiable),
- `P_i` = mean over the `T` tokens of the router probability of expert `i`.

Write two functions:
- `switch_loss(probs, expert)`: probs (T, E) router probabilities (rows sum to 1), expert
  (A,) int, the expert of every assignment (A = T for top-1, A = k*T for top-k) -> float.
- `switch_loss_grad(probs, expert)`: dL/dprobs, an array of shape (T, E) (f is a constant).

Example: T = 2, E = 2, probs = [[0.9, 0.1], [0.8, 0.2]], expert = [0, 0]:
f = [1, 0], P = [0.85, 0.15], L = 2 * 0.85 = 1.7. With perfectly uniform routing
(P_i = f_i = 1/E) the loss is exactly 1; everything on one expert with probability 1
gives E.

Constraints: NumPy only, no Python loop over tokens; an expert that receives no token
must not break anything (use `np.bincount(..., minlength=E)`).
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("moe", "losses")
MINUTES = 10
KIND = "implement"


def switch_loss(probs, expert):
    """E * sum_i f_i P_i for probs (T, E) and expert (A,) int -> float."""
    # BEGIN SOLUTION
    n_tokens, n_experts = probs.shape
    f = np.bincount(expert, minlength=n_experts) / len(expert)
    return float(n_experts * np.sum(f * probs.mean(axis=0)))
    # END SOLUTION


def switch_loss_grad(probs, expert):
    """dL/dprobs (T, E): every row is E * f / T."""
    # BEGIN SOLUTION
    n_tokens, n_experts = probs.shape
    f = np.bincount(expert, minlength=n_experts) / len(expert)
    return np.broadcast_to(n_experts * f / n_tokens, probs.shape).copy()
    # END SOLUTION
