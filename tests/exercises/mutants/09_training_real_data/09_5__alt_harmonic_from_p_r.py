"""alternative 09.5: F1 = 2 P R / (P + R) from the per-class P and R, 0 where P + R = 0."""

import numpy as np


def precision_recall_f1(cm):
    cm = np.array(cm, dtype=float)
    tp = cm.diagonal().copy()
    col, row = cm.sum(0), cm.sum(1)
    p = np.zeros_like(tp)
    r = np.zeros_like(tp)
    p[col > 0] = tp[col > 0] / col[col > 0]
    r[row > 0] = tp[row > 0] / row[row > 0]
    f = np.zeros_like(tp)
    ok = (p + r) > 0
    f[ok] = 2 * p[ok] * r[ok] / (p[ok] + r[ok])
    return p, r, f
