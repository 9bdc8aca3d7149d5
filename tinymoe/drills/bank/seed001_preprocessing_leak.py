"""Spot the bug: feature scaling for a train/test split (seed 001)

This code has a bug (or several): find and fix it. It is modelled on the preprocessing
of seed 001, an article on MoE (docs/sources.md#seed-001), which "normalises" its data
with `x / max(x)`.

What the code is supposed to do: `preprocess(X_train, X_test)` takes the training and
test features, `(n_train, d)` and `(n_test, d)`, and returns both min-max scaled, feature
by feature, with the minimum and maximum of the training rows:
`scaled = (X - train_min) / (train_max - train_min)`, for the training and the test rows
alike.

- every training feature then spans exactly [0, 1]; test values may fall outside it
  (the test set stands for new data: if it shapes the preprocessing, the test score
  stops measuring generalisation);
- a feature that is constant on the training rows is divided by 1 instead (it becomes
  0 on the training rows), with no warning and no `nan`;
- the inputs are not modified.

Worked example: `X_train = [[1, -2], [3, 2]]`, `X_test = [[5, 0]]` give
`[[0, 0], [1, 1]]` and `[[2, 0.5]]`.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("classic-ml", "training", "debugging")
MINUTES = 10
KIND = "spot-the-bug"


def preprocess(X_train, X_test):
    """(n_train, d), (n_test, d) -> both scaled with the training rows' min and max."""
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    # BEGIN SOLUTION
    lo = X_train.min(axis=0)
    span = X_train.max(axis=0) - lo
    span = np.where(span > 0, span, 1.0)
    return (X_train - lo) / span, (X_test - lo) / span
    # BUGGY
    both = np.concatenate([X_train, X_test])
    lo, hi = both.min(axis=0), both.max(axis=0)
    scaled = (both - lo) / (hi - lo)
    return scaled[:len(X_train)], scaled[len(X_train):]
    # END SOLUTION
