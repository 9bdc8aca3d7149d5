"""mutant 09.3: switches to eval mode and leaves the model there."""

import tinymoe as tm
from tinymoe.nn import functional as F


def evaluate(model, loader):
    model.eval()
    total, correct, count = 0.0, 0, 0
    with tm.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            total += F.cross_entropy(logits, yb).item() * yb.shape[0]
            correct += int((logits.data.argmax(axis=1) == yb.data).sum())
            count += yb.shape[0]
    return total / count, correct / count
