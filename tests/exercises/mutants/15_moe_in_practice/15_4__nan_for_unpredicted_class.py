"""mutant 15.4: a plain division: a class that is never predicted gets precision 0/0 = nan."""

import numpy as np


def macro_scores(cm):
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    present = (predicted + actual) > 0
    return {"accuracy": float(tp.sum() / cm.sum()),
            "precision": float((tp / predicted)[present].mean()),
            "recall": float((tp / actual)[present].mean()),
            "f1": float((2 * tp / (predicted + actual))[present].mean())}
