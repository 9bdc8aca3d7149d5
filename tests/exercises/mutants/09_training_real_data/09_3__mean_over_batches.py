"""mutant 09.3: averages the per-batch loss and accuracy over batches (the short last batch
counts as much as a full one)."""

import numpy as np

import tinymoe as tm
from tinymoe.nn import functional as F


def evaluate(model, loader):
    was_training = model.training
    model.eval()
    losses, accs = [], []
    with tm.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            losses.append(F.cross_entropy(logits, yb).item())
            accs.append(float(np.mean(logits.data.argmax(axis=1) == yb.data)))
    model.train(was_training)
    return float(np.mean(losses)), float(np.mean(accs))
