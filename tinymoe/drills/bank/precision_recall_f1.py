"""Precision, recall and F1 per class, and their macro average

Write `precision_recall_f1(y_true, y_pred, num_classes)` for 1-D integer arrays of class
ids in `0..num_classes-1`. Return three float arrays of shape `(num_classes,)`:

- `precision[c] = TP_c / (TP_c + FP_c)`: of the samples predicted `c`, the fraction truly `c`;
- `recall[c] = TP_c / (TP_c + FN_c)`: of the samples truly `c`, the fraction predicted `c`;
- `f1[c] = 2 P R / (P + R) = 2 TP_c / (2 TP_c + FP_c + FN_c)`.

When a denominator is 0 (a class never predicted has no precision, a class that never
occurs has no recall, neither has no F1) the value is 0.0, with no warning. Then write
`macro_f1(y_true, y_pred, num_classes)`, the plain mean of `f1` over the classes that
occur in `y_true` or in `y_pred` (a class in neither does not count).

Worked example (3 classes):

    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 1, 1]
    precision = [1.0, 0.5, 0.0]      # nothing predicted 2: 0 by convention
    recall    = [2/3, 1.0, 0.0]
    f1        = [0.8, 2/3, 0.0]
    macro_f1  = (0.8 + 2/3 + 0) / 3 = 0.4889

Constraints: NumPy only, no Python loop over the samples (a loop over classes is fine).
"""

import numpy as np

LEVEL = "easy"
TOPICS = ("metrics", "classic-ml")
MINUTES = 15
KIND = "implement"


def precision_recall_f1(y_true, y_pred, num_classes):
    """(n,), (n,) class ids -> (precision, recall, f1), each float (num_classes,)."""
    # BEGIN SOLUTION
    t = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(y_pred, dtype=np.int64)
    tp = np.bincount(t[t == p], minlength=num_classes).astype(float)
    n_pred = np.bincount(p, minlength=num_classes).astype(float)
    n_true = np.bincount(t, minlength=num_classes).astype(float)

    def ratio(num, den):
        return np.divide(num, den, out=np.zeros(num_classes), where=den > 0)

    return ratio(tp, n_pred), ratio(tp, n_true), ratio(2 * tp, n_pred + n_true)
    # END SOLUTION


def macro_f1(y_true, y_pred, num_classes):
    """Mean F1 over the classes present in y_true or y_pred: a float."""
    # BEGIN SOLUTION
    f1 = precision_recall_f1(y_true, y_pred, num_classes)[2]
    seen = np.union1d(np.asarray(y_true), np.asarray(y_pred))
    return float(f1[seen].mean())
    # END SOLUTION
