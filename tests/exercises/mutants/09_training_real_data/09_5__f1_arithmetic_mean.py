"""mutant 09.5: F1 as the arithmetic mean (P + R) / 2 instead of the harmonic mean."""

import numpy as np


def precision_recall_f1(cm):
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    pred, act = cm.sum(axis=0), cm.sum(axis=1)
    p = np.divide(tp, pred, out=np.zeros_like(tp), where=pred > 0)
    r = np.divide(tp, act, out=np.zeros_like(tp), where=act > 0)
    return p, r, (p + r) / 2
