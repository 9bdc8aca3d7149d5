"""alternative 09.4: one np.bincount over t * C + p."""

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    idx = np.asarray(y_true, dtype=np.int64) * num_classes + np.asarray(y_pred, dtype=np.int64)
    counts = np.bincount(idx, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)
