"""Spot the bug: a classifier's probabilities and loss

This code has a bug (or several): find and fix it. It passed its author's unit tests on
small random logits, but a real training run produced `nan` losses once the network became
confident.

What the code is supposed to do:

- `softmax(logits)`: `logits` is `(N, C)`; return the `(N, C)` class probabilities, each row
  `exp(z_i) / sum_j exp(z_j)`, rows summing to 1.
- `cross_entropy(logits, labels)`: `labels` is `(N,)` integer classes; return the mean over
  the batch of `-log p[n, labels[n]]` (a Python float) and its gradient with respect to the
  logits, `(softmax(logits) - one_hot(labels)) / N`.

Both must give finite, correct values for any finite logits, including `+-1e4` (a
confidently wrong prediction costs about the logit gap, e.g. 2e4), without warnings, and
must not modify their inputs.

Worked example: `softmax(np.array([[1000.0, 1000.0]]))` is `[[0.5, 0.5]]`;
`cross_entropy(np.array([[1e4, -1e4]]), np.array([1]))[0]` is `2e4`.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("numerics", "losses", "debugging")
MINUTES = 10
KIND = "spot-the-bug"


def softmax(logits):
    """(N, C) logits -> (N, C) probabilities, rows summing to 1."""
    # BEGIN SOLUTION
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
    # BUGGY
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)
    # END SOLUTION


def cross_entropy(logits, labels):
    """Mean cross-entropy of (N, C) logits against (N,) labels -> (float, (N, C) gradient)."""
    # BEGIN SOLUTION
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    grad = np.exp(log_p)
    grad[np.arange(n), labels] -= 1.0
    return float(-log_p[np.arange(n), labels].mean()), grad / n
    # BUGGY
    n = logits.shape[0]
    p = softmax(logits)
    loss = -np.log(p[np.arange(n), labels]).mean()
    grad = p.copy()
    grad[np.arange(n), labels] -= 1.0
    return float(loss), grad / n
    # END SOLUTION
