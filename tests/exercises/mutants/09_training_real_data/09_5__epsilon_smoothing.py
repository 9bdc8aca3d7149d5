"""mutant 09.5: adds 1e-9 to every denominator to dodge 0 / 0, which biases the ratios and
breaks them for a normalised (fractional) confusion matrix."""

import numpy as np


def precision_recall_f1(cm):
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    pred, act = cm.sum(axis=0), cm.sum(axis=1)
    return tp / (pred + 1e-9), tp / (act + 1e-9), 2 * tp / (pred + act + 1e-9)
