"""Softmax cross-entropy and its gradient

Write `cross_entropy(logits, labels)` returning `(loss, dlogits)`:

- `logits`: `(N, C)` float array of raw scores; `labels`: `(N,)` integer classes in `[0, C)`
  (some classes may be absent from the batch).
- `loss`: a Python float, the MEAN over the batch of `-log softmax(logits)[n, labels[n]]`.
- `dlogits`: `(N, C)`, the gradient of `loss` with respect to `logits`:
  `(softmax(logits) - one_hot(labels)) / N`.

Worked example: with all logits equal the loss is `log(C)` whatever the labels, and
`cross_entropy(np.zeros((2, 4)), np.array([0, 3]))` gives
`(1.3862943611198906, [[-0.375, 0.125, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]])`.

Constraints: NumPy only, no Python loops over the batch. Logits of +-1e4 must give a finite
loss and gradient with no warning (compute log-softmax with the max shift, never
`log(softmax)`). Do not modify `logits`.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("losses", "backprop", "numerics")
MINUTES = 15
KIND = "implement"


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy. logits (N, C), labels (N,) ints -> (float, (N, C))."""
    # BEGIN SOLUTION
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p = shifted - log_z
    loss = -log_p[np.arange(n), labels].mean()
    grad = np.exp(log_p)
    grad[np.arange(n), labels] -= 1.0
    return float(loss), grad / n
    # END SOLUTION
