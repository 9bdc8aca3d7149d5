"""mutant 15.4: micro averages (TP, FP, FN pooled over classes), which all equal accuracy."""

import numpy as np


def macro_scores(cm):
    cm = np.asarray(cm, dtype=np.float64)
    accuracy = float(np.trace(cm) / cm.sum())
    return {"accuracy": accuracy, "precision": accuracy, "recall": accuracy, "f1": accuracy}
