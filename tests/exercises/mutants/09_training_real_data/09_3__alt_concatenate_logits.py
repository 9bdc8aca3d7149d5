"""alternative 09.3: collects all logits and labels, one cross-entropy at the end, and restores
the mode in a finally block."""

import numpy as np

import tinymoe as tm
from tinymoe.nn import functional as F


def evaluate(model, loader):
    mode = model.training
    model.eval()
    try:
        with tm.no_grad():
            pairs = [(model(xb).data, yb.data) for xb, yb in loader]
        logits = np.concatenate([z for z, _ in pairs])
        labels = np.concatenate([y for _, y in pairs])
        loss = F.cross_entropy(tm.tensor(logits), tm.tensor(labels)).item()
        return float(loss), float(np.mean(logits.argmax(axis=1) == labels))
    finally:
        model.train(mode)
