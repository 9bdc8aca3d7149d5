"""mutant 15.4: reads cm as rows = prediction: precision over row sums, recall over column
sums (precision and recall swapped)."""

import numpy as np


def macro_scores(cm):
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=1), cm.sum(axis=0)  # swapped
    present = (predicted + actual) > 0

    def ratio(num, den):
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    return {"accuracy": float(tp.sum() / cm.sum()),
            "precision": float(ratio(tp, predicted)[present].mean()),
            "recall": float(ratio(tp, actual)[present].mean()),
            "f1": float(ratio(2 * tp, predicted + actual)[present].mean())}
