"""Router z-loss (ST-MoE)

ST-MoE (Zoph et al. 2022) keeps router logits small with the z-loss

    L_z = (1/T) * sum_t ( logsumexp_i z_ti )^2

for router logits z of shape (T, E). Small logits keep the router's softmax in a safe
numerical range: in bfloat16, logits near 100 are 0.5 apart, so the softmax can no longer
tell close logits apart, and exp of large logits overflows.

Write:
- `logsumexp(z)`: (T, E) -> (T,), log(sum_i exp(z_ti)) computed stably (shift by the row
  max: logits of 1e3 must not give inf or nan).
- `z_loss(logits)`: logits (T, E) -> float, stable for any finite logits.
- `z_loss_grad(logits)`: dL_z/dlogits (T, E). Hint: d logsumexp / dz = softmax(z).

Example: logits = [[0, 0], [ln 3, ln 3]]: logsumexp = [ln 2, ln 6],
L_z = ((ln 2)^2 + (ln 6)^2) / 2 ~ 1.8455.

Constraints: NumPy only, no Python loops over tokens.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("moe", "losses", "numerics")
MINUTES = 10
KIND = "implement"


def logsumexp(z):
    """Stable logsumexp over the last axis: (T, E) -> (T,)."""
    # BEGIN SOLUTION
    m = z.max(axis=-1)
    return m + np.log(np.exp(z - m[:, None]).sum(axis=-1))
    # END SOLUTION


def z_loss(logits):
    """mean over tokens of logsumexp(logits)^2; logits (T, E) -> float."""
    # BEGIN SOLUTION
    lse = logsumexp(logits)
    return float(np.mean(lse**2))
    # END SOLUTION


def z_loss_grad(logits):
    """dL_z/dlogits (T, E) = 2 * lse_t * softmax(z_t) / T."""
    # BEGIN SOLUTION
    lse = logsumexp(logits)
    softmax = np.exp(logits - lse[:, None])
    return 2.0 * lse[:, None] * softmax / logits.shape[0]
    # END SOLUTION
