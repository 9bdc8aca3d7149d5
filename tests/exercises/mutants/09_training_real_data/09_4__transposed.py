"""mutant 09.4: rows are the prediction and columns the truth (transposed)."""

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_pred), np.asarray(y_true)), 1)
    return cm
