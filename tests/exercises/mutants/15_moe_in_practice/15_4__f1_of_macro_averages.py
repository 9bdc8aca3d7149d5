"""mutant 15.4: macro F1 as 2PR / (P + R) of the macro precision and recall, instead of the
mean of the per-class F1s."""

import numpy as np


def macro_scores(cm):
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    present = (predicted + actual) > 0

    def ratio(num, den):
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    p = float(ratio(tp, predicted)[present].mean())
    r = float(ratio(tp, actual)[present].mean())
    return {"accuracy": float(tp.sum() / cm.sum()), "precision": p, "recall": r,
            "f1": 2 * p * r / (p + r)}
