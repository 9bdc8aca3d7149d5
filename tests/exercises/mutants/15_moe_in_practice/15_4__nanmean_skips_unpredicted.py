"""mutant 15.4: np.nanmean over the per-class scores: the class that is never predicted
drops out of the macro precision instead of counting as 0."""

import numpy as np


def macro_scores(cm):
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = [tp / predicted, tp / actual, 2 * tp / (predicted + actual)]
    return {"accuracy": float(tp.sum() / cm.sum()),
            **{name: float(np.nanmean(s)) for name, s in zip(("precision", "recall", "f1"),
                                                             scores)}}
