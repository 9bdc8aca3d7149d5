"""mutant 09.2: returns the plain mean of the batch losses (the short last batch counts as much
as a full one)."""

import numpy as np

from tinymoe.nn import functional as F


def train_one_epoch(model, loader, optimizer, progress=False):
    model.train()
    losses = []
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return float(np.mean(losses))
