"""mutant 09.4: compares the label arguments to each class with ==, which silently gives False
(all zeros) when they are Python lists as in the docstring's example."""

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t in range(num_classes):
        for p in range(num_classes):
            cm[t, p] = np.sum(np.logical_and(y_true == t, y_pred == p))
    return cm
