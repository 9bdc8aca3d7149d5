"""mutant 15.4: averages over all C classes, a class that never occurs (all-zero row and
column) included as 0."""

import numpy as np


def macro_scores(cm):
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)

    def ratio(num, den):
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    return {"accuracy": float(tp.sum() / cm.sum()),
            "precision": float(ratio(tp, predicted).mean()),
            "recall": float(ratio(tp, actual).mean()),
            "f1": float(ratio(2 * tp, predicted + actual).mean())}
