"""mutant 09.5: a 0 / 0 counts as 1 (a perfect score) instead of 0."""

import numpy as np


def precision_recall_f1(cm):
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    pred, act = cm.sum(axis=0), cm.sum(axis=1)
    p = np.divide(tp, pred, out=np.ones_like(tp), where=pred > 0)
    r = np.divide(tp, act, out=np.ones_like(tp), where=act > 0)
    f = np.divide(2 * tp, pred + act, out=np.ones_like(tp), where=pred + act > 0)
    return p, r, f
