"""mutant 09.3: returns the NUMBER of correct predictions instead of the fraction."""

import tinymoe as tm
from tinymoe.nn import functional as F


def evaluate(model, loader):
    was_training = model.training
    model.eval()
    total, correct, count = 0.0, 0, 0
    with tm.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            total += F.cross_entropy(logits, yb).item() * yb.shape[0]
            correct += int((logits.data.argmax(axis=1) == yb.data).sum())
            count += yb.shape[0]
    model.train(was_training)
    return total / count, correct
