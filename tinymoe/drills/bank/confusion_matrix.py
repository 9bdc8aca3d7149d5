"""Confusion matrix from predictions

Write `confusion_matrix(y_true, y_pred, num_classes)`: `y_true` and `y_pred` are 1-D
integer arrays of the same length `n` holding class ids in `0..num_classes-1`. Return
an int64 array `cm` of shape `(num_classes, num_classes)` where `cm[t, p]` counts the
samples whose true class is `t` and predicted class is `p` (row = truth, column =
prediction).

Worked example:

    >>> confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0]), 4)
    array([[1, 1, 0, 0],
           [0, 1, 0, 0],
           [1, 0, 2, 0],
           [0, 0, 0, 0]])

Row `t` sums to the number of samples of class `t`, column `p` to how often `p` was
predicted, the whole matrix to `n`, and the diagonal's sum / `n` is the accuracy. A
class that never occurs (class 3 above) keeps its row and column of zeros.

Constraints: NumPy only, no Python loop over the samples (`n` can be millions). Careful:
the same `(t, p)` pair occurs many times, and each occurrence must be counted.
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("metrics", "classic-ml")
MINUTES = 10
KIND = "implement"


def confusion_matrix(y_true, y_pred, num_classes):
    """(n,), (n,) int class ids -> (num_classes, num_classes) int64 counts, row = truth."""
    # BEGIN SOLUTION
    t = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(y_pred, dtype=np.int64)
    flat = np.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)
    # END SOLUTION
