"""mutant 09.4: sizes the matrix from the labels seen (max + 1), ignoring num_classes."""

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    c = int(max(y_true.max(), y_pred.max())) + 1
    cm = np.zeros((c, c), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm
