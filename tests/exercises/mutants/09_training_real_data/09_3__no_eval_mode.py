"""mutant 09.3: never switches to eval mode, so dropout stays on during evaluation."""

import tinymoe as tm
from tinymoe.nn import functional as F


def evaluate(model, loader):
    total, correct, count = 0.0, 0, 0
    with tm.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            total += F.cross_entropy(logits, yb).item() * yb.shape[0]
            correct += int((logits.data.argmax(axis=1) == yb.data).sum())
            count += yb.shape[0]
    return total / count, correct / count
