"""mutant 09.2: returns the loss of the last batch instead of the epoch's mean."""

from tinymoe.nn import functional as F


def train_one_epoch(model, loader, optimizer, progress=False):
    model.train()
    loss = None
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    return loss.item()
