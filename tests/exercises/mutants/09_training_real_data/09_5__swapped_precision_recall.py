"""mutant 09.5: precision divides by the row sum and recall by the column sum (swapped)."""

import numpy as np


def precision_recall_f1(cm):
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    rows, cols = cm.sum(axis=1), cm.sum(axis=0)
    p = np.divide(tp, rows, out=np.zeros_like(tp), where=rows > 0)
    r = np.divide(tp, cols, out=np.zeros_like(tp), where=cols > 0)
    f = np.divide(2 * tp, rows + cols, out=np.zeros_like(tp), where=rows + cols > 0)
    return p, r, f
